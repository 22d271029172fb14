// Figure 3: the cost of one pick in isolation, the pure pickers only (no grpc-js, no sockets), at
// several endpoint counts. Also whether picking allocates: garbage collections seen during the
// timed loop and heap growth per pick.
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchParams } from '../params.js';
import { PICKERS } from '../pickers.js';
import { collectGarbage, type FigureResult, finishRows, RowBuilder } from '../results.js';

/** Untimed picks first, so the loop is optimized before it is timed. */
const WARMUP_SHARE = 0.1;
/** GC entries reach the observer asynchronously; this is ample for them to arrive. */
const GC_REPORT_DELAY_MS = 20;
/**
 * Picks of the allocation probe: few enough that their garbage fits in the young generation (no
 * collection between the two heap readings), enough to make a byte per pick visible.
 */
const PROBE_PICKS = 10_000;

export async function runPickCost(p: BenchParams): Promise<FigureResult> {
  const { endpointCounts, picks } = p.pickCost;
  const rows = PICKERS.flatMap((picker) =>
    endpointCounts.map((n) => ({ picker, n, row: new RowBuilder(`${picker.policy}@${n}`, picker.what) })),
  );
  const gcTimes: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcTimes.push(entry.startTime);
  });
  observer.observe({ entryTypes: ['gc'] });
  // A small integer (Smi): a growing sum would become a boxed double, allocated at every pick.
  let sink = 0;
  try {
    for (let rep = 0; rep < p.repetitions; rep++) {
      for (const { picker, n, row } of rows) {
        const pick = picker.create(n);
        for (let i = 0; i < picks * WARMUP_SHARE; i++) sink = (sink + pick()) | 0;
        // Bytes per pick from a short untimed run after a full collection: the timed run's own heap
        // readings mean nothing once a collection happened in between.
        collectGarbage();
        const probeBefore = process.memoryUsage().heapUsed;
        for (let i = 0; i < PROBE_PICKS; i++) sink = (sink + pick()) | 0;
        const probeBytes = process.memoryUsage().heapUsed - probeBefore;
        collectGarbage();
        const start = performance.now();
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < picks; i++) sink = (sink + pick()) | 0;
        const elapsedNs = Number(process.hrtime.bigint() - t0);
        const end = performance.now();
        await sleep(GC_REPORT_DELAY_MS);
        const gcs = gcTimes.filter((t) => t >= start && t <= end).length;
        row.add({
          nsPerPick: elapsedNs / picks,
          gcs,
          heapBytesPerPick: Math.max(0, probeBytes) / PROBE_PICKS,
        });
      }
    }
  } finally {
    observer.disconnect();
  }
  if (sink === -1) console.log(sink); // keeps the picks from being optimized away
  return {
    id: 'pickCost',
    repetitions: p.repetitions,
    title: `Figure 3: pick cost in isolation (pure pickers, ${picks} picks per run)`,
    notes: [
      'ratios are to the same picker at the smallest endpoint count (growth with endpoints).',
      'gcs: garbage collections during the timed picks; heap bytes/pick: heap growth over 10000 untimed picks after a full GC.',
    ],
    metrics: [
      { key: 'nsPerPick', label: 'ns/pick' },
      { key: 'gcs', label: 'GCs during run' },
      { key: 'heapBytesPerPick', label: 'heap bytes/pick' },
    ],
    rows: PICKERS.flatMap((picker) => {
      const mine = rows.filter((r) => r.picker === picker).map((r) => r.row);
      return finishRows(mine, [`${picker.policy}@${endpointCounts[0]}`]);
    }),
  };
}
