import { STALL_DEFAULTS } from '../config/defaults.js';

export interface StallSettings {
  readonly latencyMultiplier: number;
  readonly floorMs: number;
  readonly minOutstanding: number;
  readonly latencyDecayMs: number;
}

export const DEFAULT_STALL_SETTINGS: StallSettings = STALL_DEFAULTS;

/**
 * Notices an endpoint that stopped answering, long before deadlines expire. Only the calls sent
 * since the endpoint last completed one count: it is stalled when at least `minOutstanding` of them
 * are out and the first of them is far older than its usual latency (and than a floor). A
 * long-lived stream opened earlier never counts, so it can neither cause a stall nor hide one.
 * Not an ejection: any completion ends the stall at once. O(1), no per-call state; times passed in.
 */
export class StallDetector {
  private sinceCompletion = 0;
  private firstSinceCompletion = 0;
  private latencyMs: number | undefined;
  private latencyAt = 0;

  constructor(private readonly settings: StallSettings = DEFAULT_STALL_SETTINGS) {}

  /** A call was sent at `now`. */
  callStarted(now: number): void {
    if (this.sinceCompletion === 0) this.firstSinceCompletion = now;
    this.sinceCompletion++;
  }

  /** A call sent at `startedAt` ended at `now`, whatever its status: an answer proves the endpoint alive. */
  callEnded(startedAt: number, now: number): void {
    this.sinceCompletion = 0;
    this.observe(now - startedAt, now);
  }

  /** The endpoint's latency estimate (EWMA over completed calls), undefined before the first. */
  latency(): number | undefined {
    return this.latencyMs;
  }

  /** `peerLatencyMs`: the typical latency of the other endpoints, for an endpoint with no history. */
  isStalled(now: number, peerLatencyMs?: number): boolean {
    if (this.sinceCompletion < this.settings.minOutstanding) return false;
    const usual = Math.max(this.latencyMs ?? 0, peerLatencyMs ?? 0);
    const threshold = Math.max(this.settings.floorMs, this.settings.latencyMultiplier * usual);
    return now - this.firstSinceCompletion > threshold;
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
