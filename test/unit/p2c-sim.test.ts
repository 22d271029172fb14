// The thick_p2c issue's figures, for the algorithm alone: the real gate, loads and pickers on a
// simulated clock (test/helpers/p2c-sim.ts), so they are exact and repeatable. The cluster-bed test
// (scenario-p2c) measures the same figures through real channels, with the machine's noise.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  busyLatency,
  coldStart,
  pausingPods,
  percentile,
  quietLatency,
  type SimSpec,
  simulate,
} from '../helpers/p2c-sim.js';
import { seededRandom } from '../helpers/random.js';

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];
const BASE = { pods: 5, ratePerSecond: 300 } as const;
const SLOWER_MS = 50;
const TARGETS = { p99Ratio: 0.3, slowShare: 0.05, equalSplit: 1.2, stallSuccess: 0.999 } as const;
/** Not an issue target: pauses and cold starts cost their pods calls, so the split is looser. */
const PAUSING_SPLIT = 1.3;

function run(spec: Omit<SimSpec, 'seed'>) {
  return SEEDS.map((seed) => simulate({ ...spec, seed }));
}

const split = (perPod: readonly number[]) => Math.max(...perPod) / Math.min(...perPod);
const fmt = (values: readonly number[], digits = 2) => values.map((v) => v.toFixed(digits)).join(' ');

/**
 * Five equal pods under thick_p2c for 20 s, per seed, with the latency model `modelFor(seed)` (a
 * fresh one per run: models such as pauses and cold starts keep state); prints and returns the splits.
 */
function equalPodSplits(label: string, modelFor: (seed: number) => SimSpec['latencyMs']): number[] {
  const splits = SEEDS.map(
    (seed) =>
      simulate({
        ...BASE,
        seed,
        policy: 'thick_p2c',
        durationMs: 20_000,
        deadlineMs: 1000,
        latencyMs: modelFor(seed),
      }).perPod,
  ).map(split);
  console.log(`equal pods ${label}: max/min per seed ${fmt(splits)}`);
  return splits;
}

describe('thick_p2c in simulation (5 pods, 300 calls/s open loop, 8 seeds)', () => {
  it('all pods equal: the split stays within 1.2, as close to even as chance allows', () => {
    const splits = equalPodSplits('on a busy machine', () => (_pod, _now, random) => busyLatency(random));
    for (const s of splits) assert.ok(s <= TARGETS.equalSplit, fmt(splits));
  });

  it('pods that pause now and then (1/s each, 20-100 ms): a paused pod is not left starved afterwards', () => {
    const splits = equalPodSplits('that pause', (seed) => {
      const pause = pausingPods(BASE.pods, 21_000, 1, seededRandom(seed + 100));
      return (pod, now, random) => pause(pod, now + quietLatency(random)) - now;
    });
    // Chance alone spreads pods by ~1.07 here; each pause also costs its pod the calls of its length.
    for (const s of splits) assert.ok(s <= PAUSING_SPLIT, fmt(splits));
  });

  it('pods that start cold (3-5× slower at first, faster as they serve): none is starved while it warms', () => {
    const splits = equalPodSplits('starting cold', () => {
      const cold = coldStart(BASE.pods, (pod) => (pod === 0 ? 4 : 2));
      return (pod, _now, random) => cold(pod, busyLatency(random));
    });
    // Not an issue target: a cold pod is slower for a while, and gets a little less meanwhile.
    for (const s of splits) assert.ok(s <= PAUSING_SPLIT, fmt(splits));
  });

  it('a pod that becomes 50 ms slower mid-run gets < 1 % of the calls after', () => {
    const slowFromMs = 4000;
    const runs = run({
      ...BASE,
      policy: 'thick_p2c',
      durationMs: 12_000,
      deadlineMs: 1000,
      countFromMs: slowFromMs,
      latencyMs: (pod, now, random) => busyLatency(random) + (pod === 0 && now >= slowFromMs ? SLOWER_MS : 0),
    });
    const after = runs.map((r) => (r.perPodFrom[0] ?? 0) / r.perPodFrom.reduce((x, y) => x + y, 0));
    console.log(
      `mid-run slowdown: the slow pod's share of the calls after it ${fmt(after.map((a) => 100 * a))} %`,
    );
    for (const a of after) assert.ok(a < 0.01, fmt(after));
  });

  for (const [machine, latency] of [
    ['quiet', quietLatency],
    ['busy', busyLatency],
  ] as const) {
    it(`one pod ${SLOWER_MS} ms slower (${machine} machine): the slow pod gets < 1 % of calls`, () => {
      const spec = (policy: SimSpec['policy']) => ({
        ...BASE,
        policy,
        durationMs: 8000,
        deadlineMs: 1000,
        latencyMs: (pod: number, _now: number, random: () => number) =>
          latency(random) + (pod === 0 ? SLOWER_MS : 0),
      });
      const rr = run(spec('thick_round_robin'));
      const p2c = run(spec('thick_p2c'));
      const equal = run({ ...spec('thick_p2c'), latencyMs: (_p, _n, random) => latency(random) });
      const p99 = (r: { latencies: readonly number[] }) => percentile(r.latencies, 99);
      const ratios = p2c.map((r, i) => p99(r) / p99(rr[i]!));
      const shares = p2c.map((r) => (r.perPod[0] ?? 0) / r.total);
      console.log(
        `${machine}: p99 round robin ${fmt(rr.map(p99), 1)} ms, thick_p2c ${fmt(p2c.map(p99), 1)} ms ` +
          `(all pods equal: ${fmt(equal.map(p99), 1)} ms), ratio ${fmt(ratios)}, slow pod ${fmt(
            shares.map((s) => 100 * s),
          )} %`,
      );
      for (const [i, r] of p2c.entries()) {
        // Under 1 % of calls (the issue asks < 5 %), the slow pod alone cannot make the p99. On the
        // quiet machine the p99 is then the machine's own; on the busy one it lies in the range of
        // the hiccups (a fast pod's hiccup looks, for a moment, as slow as the slow pod).
        assert.ok(shares[i]! < Math.min(TARGETS.slowShare, 0.01), `slow pod share ${shares[i]}`);
        if (machine === 'quiet') {
          assert.ok(p99(r) <= 1.1 * p99(equal[i]!), `p99 ${p99(r)} vs ${p99(equal[i]!)} with all pods equal`);
          assert.ok(ratios[i]! <= TARGETS.p99Ratio, `ratio ${ratios[i]}`);
        }
      }
    });
  }

  it('one pod answering in 2 s for 10 s, 100 ms deadlines: ≥ 99.9 % succeed (round robin printed beside)', () => {
    const spec = (policy: SimSpec['policy']) => ({
      ...BASE,
      policy,
      durationMs: 14_000,
      deadlineMs: 100,
      latencyMs: (pod: number, now: number, random: () => number) =>
        busyLatency(random) + (pod === 0 && now >= 2000 && now < 12_000 ? 2000 : 0),
    });
    const success = (r: { failures: number; total: number }) => 1 - r.failures / r.total;
    const p2c = run(spec('thick_p2c'));
    const rr = run(spec('thick_round_robin'));
    console.log(
      `stall: thick_p2c failed ${p2c.map((r) => r.failures).join(' ')} of ${p2c[0]?.total} calls; ` +
        `thick_round_robin ${rr.map((r) => r.failures).join(' ')}`,
    );
    for (const r of p2c) assert.ok(success(r) >= TARGETS.stallSuccess, `${r.failures} failed`);
  });
});
