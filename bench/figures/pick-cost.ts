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
  let sink = 0;
  try {
    for (let rep = 0; rep < p.repetitions; rep++) {
      for (const { picker, n, row } of rows) {
        const pick = picker.create(n);
        for (let i = 0; i < picks * WARMUP_SHARE; i++) sink += pick();
        collectGarbage();
        const heapBefore = process.memoryUsage().heapUsed;
        const start = performance.now();
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < picks; i++) sink += pick();
        const elapsedNs = Number(process.hrtime.bigint() - t0);
        const end = performance.now();
        const heapAfter = process.memoryUsage().heapUsed;
        await sleep(GC_REPORT_DELAY_MS);
        const gcs = gcTimes.filter((t) => t >= start && t <= end).length;
        row.add({
          nsPerPick: elapsedNs / picks,
          gcs,
          // Meaningful only without a collection in between; otherwise the heap shrank.
          heapBytesPerPick: gcs === 0 ? Math.max(0, heapAfter - heapBefore) / picks : Number.NaN,
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
      'gcs: garbage collections during the timed picks; 0 with a flat heap means no allocation per pick.',
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
