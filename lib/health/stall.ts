import { STALL_DEFAULTS } from '../config/defaults.js';

export interface StallSettings {
  readonly latencyMultiplier: number;
  readonly floorMs: number;
  readonly minOutstanding: number;
  readonly latencyDecayMs: number;
}

export const DEFAULT_STALL_SETTINGS: StallSettings = STALL_DEFAULTS;

/** Identifies a call to callEnded(): when it was sent and in which answer epoch. */
export interface StallTicket {
  readonly startedAt: number;
  readonly epoch: number;
}

/**
 * Notices an endpoint that stopped answering, long before deadlines expire. Only calls sent since
 * the endpoint last answered count: it is stalled when at least `minOutstanding` were sent, the
 * first is far older than the usual latency (and older than a floor), and some are still out.
 * While stalled it gets no new call; once all of those calls have ended without an answer
 * (deadline), it gets one probe at a time, so a pod that resumes is found, and a pod that stays
 * hung fails one call at a time toward ejection. A long-lived stream opened earlier neither causes
 * nor hides a stall. Not an ejection: any answer ends it. O(1); times are passed in.
 */
export class StallDetector {
  /** Bumped by every answer; calls from an older epoch no longer count. */
  private epoch = 0;
  private sentSinceAnswer = 0;
  private outSinceAnswer = 0;
  private firstSinceAnswer = 0;
  private latencyMs: number | undefined;
  private latencyAt = 0;

  constructor(private readonly settings: StallSettings = DEFAULT_STALL_SETTINGS) {}

  /** A call was sent at `now`. */
  callStarted(now: number): StallTicket {
    if (this.sentSinceAnswer === 0) this.firstSinceAnswer = now;
    this.sentSinceAnswer++;
    this.outSinceAnswer++;
    return { startedAt: now, epoch: this.epoch };
  }

  /**
   * A call ended at `now`. `answered`: the endpoint answered (any status it sent); false for a
   * deadline or cancellation, which prove nothing about it.
   */
  callEnded(ticket: StallTicket, now: number, answered: boolean): void {
    if (answered) {
      this.epoch++;
      this.sentSinceAnswer = 0;
      this.outSinceAnswer = 0;
      this.observe(now - ticket.startedAt, now);
    } else if (ticket.epoch === this.epoch && this.outSinceAnswer > 0) {
      this.outSinceAnswer--;
    }
  }

  /** A new connection: calls sent on the old one no longer count (the latency estimate stays). */
  reset(): void {
    this.epoch++;
    this.sentSinceAnswer = 0;
    this.outSinceAnswer = 0;
  }

  /** The endpoint's latency estimate (EWMA over answered calls), undefined before the first. */
  latency(): number | undefined {
    return this.latencyMs;
  }

  /** `peerLatencyMs`: the typical latency of the other endpoints, for an endpoint with no history. */
  isStalled(now: number, peerLatencyMs?: number): boolean {
    if (this.sentSinceAnswer < this.settings.minOutstanding || this.outSinceAnswer === 0) return false;
    const usual = Math.max(this.latencyMs ?? 0, peerLatencyMs ?? 0);
    const threshold = Math.max(this.settings.floorMs, this.settings.latencyMultiplier * usual);
    return now - this.firstSinceAnswer > threshold;
  }

  private observe(sampleMs: number, now: number): void {
    if (this.latencyMs === undefined) {
      this.latencyMs = sampleMs;
    } else {
      // Time-based decay (as Linkerd's EWMA): the estimate moves by elapsed time, not by call count.
      const weight = Math.exp(-(now - this.latencyAt) / this.settings.latencyDecayMs);
      this.latencyMs = this.latencyMs * weight + sampleMs * (1 - weight);
    }
    this.latencyAt = now;
  }
}
