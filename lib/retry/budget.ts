import type { Clock } from '../common/clock.js';

export interface RetryBudgetSettings {
  readonly percent: number;
  readonly minRetriesPerSecond: number;
  readonly windowMs: number;
}

const BUCKETS = 10;
const MS_PER_SECOND = 1000;

/**
 * A retry budget (Finagle, Linkerd): over a sliding window, retries may be at most `percent` of the
 * original calls plus `minRetriesPerSecond` × window. A failing backend then gets a bounded extra
 * load instead of a retry storm. Pure; the window slides in BUCKETS steps.
 */
export class RetryBudget {
  private readonly requests = new Array<number>(BUCKETS).fill(0);
  private readonly retries = new Array<number>(BUCKETS).fill(0);
  private bucket = 0;
  private bucketStart: number;
  /** Retries refused since the budget was created (for metrics). */
  refused = 0;

  constructor(
    private readonly settings: RetryBudgetSettings,
    private readonly clock: Clock,
  ) {
    this.bucketStart = clock.now();
  }

  /** An original call (not a retry) was sent. */
  deposit(): void {
    this.advance();
    this.requests[this.bucket]!++;
  }

  /** A retry wants to go: true (and counted) when the budget allows it. */
  tryWithdraw(): boolean {
    this.advance();
    const requests = sum(this.requests);
    const retries = sum(this.retries);
    const { percent, minRetriesPerSecond, windowMs } = this.settings;
    const allowance = (minRetriesPerSecond * windowMs) / MS_PER_SECOND + (requests * percent) / 100;
    if (retries + 1 > allowance) {
      this.refused++;
      return false;
    }
    this.retries[this.bucket]!++;
    return true;
  }

  private advance(): void {
    const width = this.settings.windowMs / BUCKETS;
    const now = this.clock.now();
    let steps = Math.floor((now - this.bucketStart) / width);
    if (steps <= 0) return;
    this.bucketStart += steps * width;
    steps = Math.min(steps, BUCKETS);
    for (let i = 0; i < steps; i++) {
      this.bucket = (this.bucket + 1) % BUCKETS;
      this.requests[this.bucket] = 0;
      this.retries[this.bucket] = 0;
    }
  }
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
