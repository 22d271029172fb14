import type { Clock } from '../common/clock.js';
import type { RetryBackoff } from './method-policy.js';

/**
 * grpc-js waits a back-off before each retry and does not look at the call's deadline: a retry
 * whose back-off outlasts the deadline is never sent, but the call then ends with
 * DEADLINE_EXCEEDED at its deadline instead of with the error that made it retry. This tracker,
 * one per call that has a deadline, sees each attempt end (through the picker's per-attempt hook)
 * and, when grpc-js is about to wait longer than the time left, ends the call at once with the
 * original error. Pure: the cancel callback is the only way out.
 *
 * It does not know whether the call was committed (its response headers arrived: grpc-js never
 * retries it then). The glue's cancel runs a tick later, when a committed call has already ended
 * with its own status, so the cancel finds nothing to do.
 */

/** grpc-js draws each back-off uniformly in [0.8, 1.2] × the current value (gRFC A6 jitter). */
export const BACKOFF_JITTER_LOW = 0.8;

/** Upper-case status names by number, for matching retryable codes given by name. */
export type StatusNames = (code: number) => string | undefined;

export type CancelCall = (code: number, details: string) => void;

export class RetryDeadline {
  private pickSeq = 0;
  /** Attempts started by back-off retries (grpc-js's `attempts` − 1; transparent retries not counted). */
  private backoffRetries = 0;
  private currentBackoffMs: number;
  private ended = false;

  constructor(
    private readonly policy: RetryBackoff,
    private readonly maxAttemptsLimit: number,
    private readonly deadline: number,
    private readonly clock: Clock,
    private readonly statusName: StatusNames,
    private readonly cancel: CancelCall,
  ) {
    this.currentBackoffMs = policy.initialBackoffMs;
  }

  /** A pick for this call; returns its sequence number, for `attemptEnded`. */
  picked(): number {
    this.pickSeq += 1;
    return this.pickSeq;
  }

  /**
   * An attempt picked as `seq` ended. Runs after grpc-js decided what to do with it: a transparent
   * retry or a hedge has already picked again (so `seq` is stale) and is left alone.
   */
  attemptEnded(seq: number, code: number, details: string, pushbackMs: number | null): void {
    if (this.ended || seq !== this.pickSeq) return;
    if (!this.isRetryable(code) || (pushbackMs !== null && pushbackMs < 0)) return;
    if (this.backoffRetries + 1 >= Math.min(this.policy.maxAttempts, this.maxAttemptsLimit)) return;
    // The shortest wait grpc-js can draw now, and its back-off state afterwards (as grpc-js does).
    let shortestWaitMs: number;
    if (pushbackMs === null) {
      shortestWaitMs = BACKOFF_JITTER_LOW * this.currentBackoffMs;
      this.currentBackoffMs = Math.min(
        this.currentBackoffMs * this.policy.backoffMultiplier,
        this.policy.maxBackoffMs,
      );
    } else {
      shortestWaitMs = pushbackMs;
      this.currentBackoffMs = this.policy.initialBackoffMs;
    }
    const leftMs = this.deadline - this.clock.now();
    if (leftMs < shortestWaitMs) {
      this.ended = true;
      this.cancel(
        code,
        `${details} (not retried: ${Math.max(0, Math.round(leftMs))} ms left before the deadline, ` +
          `less than the retry back-off of at least ${Math.round(shortestWaitMs)} ms)`,
      );
      return;
    }
    this.backoffRetries += 1;
  }

  /** A loop, not some(): this runs at the end of every call, and a closure per call is garbage. */
  private isRetryable(code: number): boolean {
    const name = this.statusName(code);
    for (const c of this.policy.retryableCodes) if (c === code || c === name) return true;
    return false;
  }
}
