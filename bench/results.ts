// The shape of every figure's result (what the table prints and latest.json holds), and how rows
// collect values over repetitions and get their ratios.
import { type Ratio, ratio, type Spread, spread } from './stats.js';

export interface MetricDef {
  readonly key: string;
  readonly label: string;
}

export interface Row {
  readonly id: string;
  readonly description: string;
  /** Why this row has no numbers (configuration unavailable here). */
  readonly skipped?: string;
  readonly values: Readonly<Record<string, Spread>>;
  /** ratios[baseline][metric] */
  readonly ratios: Readonly<Record<string, Readonly<Record<string, Ratio>>>>;
  /** Failed calls over all repetitions; a row with failures is not a fair comparison. */
  readonly errors: number;
  readonly firstError?: string;
  /** Figure-specific facts (connection counts, ...). */
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface FigureResult {
  readonly id: string;
  readonly title: string;
  readonly repetitions: number;
  /** What a reader must know beside the numbers (shared cores, what a ratio compares). */
  readonly notes: readonly string[];
  readonly metrics: readonly MetricDef[];
  readonly rows: readonly Row[];
}

/** Collects one row's values, repetition after repetition. */
export class RowBuilder {
  private readonly samples = new Map<string, number[]>();
  errors = 0;
  firstError: string | undefined;
  details: Record<string, unknown> | undefined;

  constructor(
    readonly id: string,
    readonly description: string,
    readonly skipped?: string,
  ) {}

  add(values: Readonly<Record<string, number>>): void {
    for (const [key, value] of Object.entries(values)) {
      const list = this.samples.get(key) ?? [];
      list.push(value);
      this.samples.set(key, list);
    }
  }

  failed(errors: number, firstError: string | undefined): void {
    this.errors += errors;
    this.firstError ??= firstError;
  }

  spreads(): Record<string, Spread> {
    return Object.fromEntries([...this.samples].map(([key, values]) => [key, spread(values)]));
  }
}

/** Rows with ratios of every metric to each baseline row that has numbers. */
export function finishRows(builders: readonly RowBuilder[], baselines: readonly string[]): Row[] {
  const spreads = new Map(builders.map((b) => [b.id, b.spreads()]));
  return builders.map((b) => {
    const values = spreads.get(b.id)!;
    const ratios: Record<string, Record<string, Ratio>> = {};
    for (const baseline of baselines) {
      const base = spreads.get(baseline);
      if (!base || baseline === b.id || b.skipped) continue;
      const byMetric: Record<string, Ratio> = {};
      for (const [key, value] of Object.entries(values)) {
        if (base[key]) byMetric[key] = ratio(value, base[key]);
      }
      if (Object.keys(byMetric).length > 0) ratios[baseline] = byMetric;
    }
    return {
      id: b.id,
      description: b.description,
      ...(b.skipped ? { skipped: b.skipped } : {}),
      values,
      ratios,
      errors: b.errors,
      ...(b.firstError ? { firstError: b.firstError } : {}),
      ...(b.details ? { details: b.details } : {}),
    };
  });
}

/** Full collections between measurements, so one configuration's garbage is not another's pause. */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
