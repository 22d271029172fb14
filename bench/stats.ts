// Summaries over repetitions (median and min–max) and ratios to a baseline, plus the latency
// histogram (hdr-histogram-js) every load figure records into.
import * as hdr from 'hdr-histogram-js';

/** One figure's metric over the repetitions of one configuration. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly values: readonly number[];
}

/** A configuration's metric over a baseline's: ratio of the medians, and the per-repetition range. */
export interface Ratio {
  readonly ratio: number;
  /** min–max of (config run i / baseline run i): repetitions were interleaved, so run i ran side by side. */
  readonly min: number;
  readonly max: number;
}

export function spread(values: readonly number[]): Spread {
  const sorted = [...values].filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, values };
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, values };
}

export function ratio(value: Spread, baseline: Spread): Ratio {
  const paired = value.values
    .map((v, i) => v / (baseline.values[i] ?? Number.NaN))
    .filter((r) => Number.isFinite(r));
  return {
    ratio: value.median / baseline.median,
    min: paired.length > 0 ? Math.min(...paired) : Number.NaN,
    max: paired.length > 0 ? Math.max(...paired) : Number.NaN,
  };
}

/** Microseconds, 3 significant digits, up to a minute: every latency a benchmark call can have. */
const HISTOGRAM = Object.freeze({ lowestUs: 1, highestUs: 60_000_000, digits: 3 as const });
const US_PER_MS = 1000;

export class LatencyHistogram {
  private readonly histogram = hdr.build({
    lowestDiscernibleValue: HISTOGRAM.lowestUs,
    highestTrackableValue: HISTOGRAM.highestUs,
    numberOfSignificantValueDigits: HISTOGRAM.digits,
  });

  recordMs(ms: number): void {
    this.histogram.recordValue(Math.max(HISTOGRAM.lowestUs, Math.round(ms * US_PER_MS)));
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  /** The latency in ms at `percentile` (0–100). */
  percentileMs(percentile: number): number {
    return this.histogram.getValueAtPercentile(percentile) / US_PER_MS;
  }

  reset(): void {
    this.histogram.reset();
  }

  destroy(): void {
    this.histogram.destroy();
  }
}
