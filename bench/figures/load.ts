// Figures 1, 2 and 6: the same load through every configuration, configurations interleaved
// within each repetition (ABCD ABCD ABCD), each warmed up just before it is measured.
import { type ConfigId, configsFor, type FigureId } from '../configs.js';
import type { Caller } from '../load/caller.js';
import { closedLoop, type LoopResult, openLoop } from '../load/loops.js';
import type { BenchParams } from '../params.js';
import type { Haproxy } from '../proxy/haproxy.js';
import { collectGarbage, type FigureResult, finishRows, type MetricDef, RowBuilder } from '../results.js';
import { LatencyHistogram } from '../stats.js';

/** A configuration's client, or why it is not measured. */
export type Callers = ReadonlyMap<ConfigId, Caller | { readonly skip: string }>;

interface LoadShape {
  readonly id: FigureId;
  readonly title: string;
  readonly notes: readonly string[];
  readonly metrics: readonly MetricDef[];
  readonly baselines: readonly ConfigId[];
  readonly warmupMs: number;
  run(
    caller: Caller,
    durationMs: number,
    histogram: LatencyHistogram,
    lag: LatencyHistogram,
  ): Promise<LoopResult>;
  /** The figure's numbers from one measured run. */
  values(result: LoopResult, histogram: LatencyHistogram, lag: LatencyHistogram): Record<string, number>;
  readonly measureMs: number;
}

const SHARED_CORES =
  'All processes (client, backends, HAProxy) share the same cores; the proxy competes with the client for them, as a sidecar would.';

function perCallUs(cpuUs: number, calls: number): number {
  return calls > 0 ? cpuUs / calls : Number.NaN;
}

export function closedLoopShape(p: BenchParams): LoadShape {
  const { inFlight, warmupMs, measureMs } = p.closedLoop;
  return {
    id: 'closedLoop',
    title: `Figure 1: closed loop, ${inFlight} calls in flight, small unary calls, ${p.backends} backends`,
    notes: [SHARED_CORES, "proxy CPU µs/call is HAProxy's own CPU per call, beside the client's."],
    metrics: [
      { key: 'callsPerSec', label: 'calls/s' },
      { key: 'p50Ms', label: 'p50 ms' },
      { key: 'p99Ms', label: 'p99 ms' },
      { key: 'cpuUsPerCall', label: 'client CPU µs/call' },
      { key: 'proxyCpuUsPerCall', label: 'proxy CPU µs/call' },
    ],
    baselines: ['round_robin', 'pick_first', 'proxy'],
    warmupMs,
    measureMs,
    run: (caller, ms, histogram) => closedLoop(caller, inFlight, ms, histogram),
    values: (r, h) => ({
      callsPerSec: (r.calls * 1000) / r.elapsedMs,
      p50Ms: h.percentileMs(50),
      p99Ms: h.percentileMs(99),
      cpuUsPerCall: perCallUs(r.cpuUs, r.calls),
    }),
  };
}

export function openLoopShape(p: BenchParams): LoadShape {
  const { ratePerSecond, warmupMs, measureMs } = p.openLoop;
  return {
    id: 'openLoop',
    title: `Figure 2: open loop at ${ratePerSecond} calls/s, latency from the scheduled send time, ${p.backends} backends`,
    notes: [
      SHARED_CORES,
      'send lag p99: how late the harness itself sent (timers tick at 1 ms); it is part of every latency, for every configuration alike.',
    ],
    metrics: [
      { key: 'p50Ms', label: 'p50 ms' },
      { key: 'p99Ms', label: 'p99 ms' },
      { key: 'p999Ms', label: 'p99.9 ms' },
      { key: 'sendLagP99Ms', label: 'send lag p99 ms' },
      { key: 'cpuUsPerCall', label: 'client CPU µs/call' },
    ],
    baselines: ['round_robin', 'pick_first', 'proxy'],
    warmupMs,
    measureMs,
    run: (caller, ms, histogram, lag) => openLoop(caller, ratePerSecond, ms, histogram, lag),
    values: (r, h, lag) => ({
      p50Ms: h.percentileMs(50),
      p99Ms: h.percentileMs(99),
      p999Ms: h.percentileMs(99.9),
      sendLagP99Ms: lag.percentileMs(99),
      cpuUsPerCall: perCallUs(r.cpuUs, r.calls),
    }),
  };
}

export function slowPodShape(p: BenchParams): LoadShape {
  const { backends, delayMs, ratePerSecond, warmupMs, measureMs } = p.slowPod;
  return {
    id: 'slowPod',
    title: `Figure 6: slow pod, 1 of ${backends} backends answers ${delayMs} ms late, open loop at ${ratePerSecond} calls/s`,
    notes: [
      'Ratios are to thick_round_robin: a latency-aware policy (thick_p2c) should bring p99 well below 1.',
      "No policy goes under the machine's own tail: figure 2's p99 at a similar rate shows it.",
    ],
    metrics: [
      { key: 'p50Ms', label: 'p50 ms' },
      { key: 'p99Ms', label: 'p99 ms' },
      { key: 'p999Ms', label: 'p99.9 ms' },
    ],
    baselines: ['thick_round_robin'],
    warmupMs,
    measureMs,
    run: (caller, ms, histogram, lag) => openLoop(caller, ratePerSecond, ms, histogram, lag),
    values: (_r, h) => ({
      p50Ms: h.percentileMs(50),
      p99Ms: h.percentileMs(99),
      p999Ms: h.percentileMs(99.9),
    }),
  };
}

export async function runLoadFigure(
  shape: LoadShape,
  callers: Callers,
  repetitions: number,
  proxy: Haproxy | undefined,
): Promise<FigureResult> {
  const configs = configsFor(shape.id);
  const rows = configs.map((c) => {
    const caller = callers.get(c.id);
    const skip = !caller ? 'no client' : 'skip' in caller ? caller.skip : undefined;
    return new RowBuilder(c.id, c.description, skip);
  });
  const histogram = new LatencyHistogram();
  const lag = new LatencyHistogram();
  for (let rep = 0; rep < repetitions; rep++) {
    for (const row of rows) {
      const caller = callers.get(row.id as ConfigId);
      if (row.skipped || !caller || 'skip' in caller) continue;
      await shape.run(caller, shape.warmupMs, histogram, lag);
      histogram.reset();
      lag.reset();
      collectGarbage();
      const proxyCpu = row.id === 'proxy' ? proxy?.cpuUs() : undefined;
      const result = await shape.run(caller, shape.measureMs, histogram, lag);
      const values = shape.values(result, histogram, lag);
      if (proxyCpu !== undefined && proxy && shape.metrics.some((m) => m.key === 'proxyCpuUsPerCall')) {
        values.proxyCpuUsPerCall = perCallUs(proxy.cpuUs() - proxyCpu, result.calls);
      }
      row.add(values);
      row.failed(result.errors, result.firstError);
    }
  }
  histogram.destroy();
  lag.destroy();
  return {
    id: shape.id,
    title: shape.title,
    repetitions,
    notes: shape.notes,
    metrics: shape.metrics,
    rows: finishRows(rows, shape.baselines),
  };
}
