/** Call latency buckets in seconds (Prometheus conventions): 1 ms to 10 s. */
export const LATENCY_BUCKETS_S: readonly number[] = Object.freeze([
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

/** A fixed-bucket histogram: O(buckets) per observation, no allocation. */
export class Histogram {
  /** Non-cumulative counts per bucket; the last slot is +Inf. */
  private readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[] = LATENCY_BUCKETS_S) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]!) i++;
    this.counts[i]! += 1;
    this.sum += value;
    this.count += 1;
  }

  /** Cumulative counts for each bound, then +Inf (Prometheus `le` semantics). */
  cumulative(): number[] {
    const out: number[] = [];
    let total = 0;
    for (const c of this.counts) {
      total += c;
      out.push(total);
    }
    return out;
  }
}
