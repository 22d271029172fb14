// A discrete-event simulation of the thick policies' pick path, built from the real pure modules
// (health gate with stall detection and ejection, EndpointLoad, power of two choices, the
// round-robin cursor) on a simulated clock. It answers "what does the algorithm do" without the
// noise of a shared 2-core machine; the cluster-bed tests answer "does the whole client do it".
import type { Clock, RandomSource, TimerHandle } from '../../lib/common/clock.js';
import { LOAD_TRACKING } from '../../lib/config/defaults.js';
import { DEFAULT_P2C_SETTINGS } from '../../lib/config/policy.js';
import { HealthGate } from '../../lib/health/gate.js';
import { ChannelLatency, LatencyFloor } from '../../lib/picking/channel-latency.js';
import { EndpointLoad } from '../../lib/picking/load.js';
import { powerOfTwoChoices } from '../../lib/picking/p2c.js';
import { RoundRobinCursor } from '../../lib/picking/round-robin.js';
import { seededRandom } from './random.js';

const OK = 0;
const DEADLINE_EXCEEDED = 4;
const SILENT = { warn: () => {}, info: () => {}, debug: () => {} };

/** Events and timers in time order (ties in insertion order). */
class SimClock implements Clock {
  private time = 0;
  private seq = 0;
  private readonly queue: { at: number; seq: number; run: () => void; live: boolean }[] = [];

  now(): number {
    return this.time;
  }

  setTimer(callback: () => void, delayMs: number): TimerHandle {
    const entry = { at: this.time + Math.max(0, delayMs), seq: ++this.seq, run: callback, live: true };
    this.queue.push(entry);
    return {
      cancel: () => {
        entry.live = false;
      },
    };
  }

  /** Runs events until none is left before `end`. */
  runUntil(end: number): void {
    for (;;) {
      let best = -1;
      for (let i = 0; i < this.queue.length; i++) {
        const e = this.queue[i]!;
        const b = best < 0 ? undefined : this.queue[best]!;
        if (!b || e.at < b.at || (e.at === b.at && e.seq < b.seq)) best = i;
      }
      if (best < 0 || this.queue[best]!.at > end) break;
      const [entry] = this.queue.splice(best, 1);
      this.time = entry!.at;
      if (entry!.live) entry!.run();
    }
    this.time = end;
  }
}

export interface SimSpec {
  readonly policy: 'thick_p2c' | 'thick_round_robin';
  readonly pods: number;
  readonly ratePerSecond: number;
  readonly durationMs: number;
  readonly deadlineMs: number;
  /** How long pod `pod` takes to answer a call sent at `now`. */
  readonly latencyMs: (pod: number, now: number, random: RandomSource) => number;
  readonly seed: number;
  /** Calls sent from this time on are also counted apart (`perPodFrom`). */
  readonly countFromMs?: number;
}

export interface SimResult {
  readonly perPod: readonly number[];
  /** Calls sent at or after `countFromMs`, per pod. */
  readonly perPodFrom: readonly number[];
  /** Every call's latency, sorted ascending (a deadline counts as the deadline). */
  readonly latencies: readonly number[];
  readonly failures: number;
  readonly total: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Open loop: calls sent every 1/rate s whatever happens, each on the pick of the moment. */
export function simulate(spec: SimSpec): SimResult {
  const clock = new SimClock();
  const random = seededRandom(spec.seed);
  const settings = DEFAULT_P2C_SETTINGS;
  const keys = Array.from({ length: spec.pods }, (_, i) => `pod-${i}`);
  let candidates: number[] = [];
  let panic = false;
  let peerLatency: number | undefined;
  const rebuild = (): void => {
    const set = gate.pickSet(
      keys.map((_, i) => i),
      (i) => keys[i]!,
    );
    candidates = set.candidates.length > 0 ? [...set.candidates] : keys.map((_, i) => i);
    panic = set.panic;
    peerLatency = gate.peerLatency();
  };
  const gate = new HealthGate(settings.health, clock, random, SILENT, rebuild);
  for (const key of keys) {
    gate.add(key, false);
    gate.connected(key);
  }
  const channel = new ChannelLatency(settings.load);
  const loads = keys.map(() => new EndpointLoad(settings.load, channel, 0));
  const cursor = new RoundRobinCursor(random);
  rebuild();

  const tolerance = settings.load.metric === 'peak_ewma' ? LOAD_TRACKING.costTolerance : 1;
  let now = 0;
  const usable = (index: number) => gate.admits(keys[candidates[index]!]!, now, peerLatency, panic);
  const floor = new LatencyFloor(loads, channel);
  let floorMs = 0;
  const cost = (index: number) => loads[candidates[index]!]!.cost(now, floorMs);
  const select = (): number => {
    floorMs = floor.at(now);
    if (spec.policy === 'thick_p2c')
      return powerOfTwoChoices(candidates.length, random, usable, cost, tolerance);
    for (let step = 0; step < candidates.length; step++) {
      const index = cursor.next(candidates.length);
      if (usable(index)) return index;
    }
    return -1;
  };

  const perPod = keys.map(() => 0);
  const perPodFrom = keys.map(() => 0);
  const latencies: number[] = [];
  let failures = 0;
  const interval = 1000 / spec.ratePerSecond;
  const total = Math.floor(spec.durationMs / interval);
  let sent = 0;
  const arrive = (): void => {
    {
      now = clock.now();
      let index = select();
      // Everything held back: fail open, as the picker does.
      if (index < 0) index = Math.floor(random() * candidates.length);
      const pod = candidates[index]!;
      const key = keys[pod]!;
      const sentAt = now;
      const load = loads[pod]!;
      load.picked(sentAt);
      load.started(sentAt, true);
      const ticket = gate.started(key, sentAt);
      perPod[pod]! += 1;
      if (sentAt >= (spec.countFromMs ?? Number.POSITIVE_INFINITY)) perPodFrom[pod]! += 1;
      const answerMs = spec.latencyMs(pod, sentAt, random);
      const timedOut = answerMs > spec.deadlineMs;
      const tookMs = Math.min(answerMs, spec.deadlineMs);
      const code = timedOut ? DEADLINE_EXCEEDED : OK;
      clock.setTimer(() => {
        const end = clock.now();
        load.ended(end, tookMs, true, settings.health.failureCodes.has(code));
        gate.ended(key, ticket, end, code);
        latencies.push(tookMs);
        if (timedOut) failures += 1;
      }, tookMs);
    }
    sent += 1;
    // The next send is due at its schedule, not relative to this one (no drift).
    if (sent < total) clock.setTimer(arrive, sent * interval - clock.now());
  };
  clock.setTimer(arrive, 0);
  clock.runUntil(spec.durationMs + spec.deadlineMs + 1);
  latencies.sort((a, b) => a - b);
  return { perPod, perPodFrom, latencies, failures, total };
}

/** Latency of a quiet loopback call: ~1.5 ms with log-normal jitter. */
export function quietLatency(random: RandomSource): number {
  const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return 1.5 * Math.exp(0.35 * normal);
}

/**
 * Latency like the cluster bed's on a busy 2-core machine: quiet latency, and for 2 % of calls a
 * hiccup of 5-25 ms (scheduling, GC) that hits one call, not one pod. Its p99 is a floor no policy
 * can go under.
 */
export function busyLatency(random: RandomSource): number {
  const base = quietLatency(random);
  return random() < 0.02 ? base + 5 + 20 * random() : base;
}

/**
 * A pod process that is not scheduled for a while (a busy machine, its own GC): every answer due
 * during a pause waits for its end. Pauses come at `perSecond` per pod and last 20-100 ms.
 */
export function pausingPods(pods: number, durationMs: number, perSecond: number, random: RandomSource) {
  const pauses: { start: number; end: number }[][] = [];
  for (let pod = 0; pod < pods; pod++) {
    const list: { start: number; end: number }[] = [];
    for (let t = 0; t < durationMs; ) {
      t += (-Math.log(1 - random()) / perSecond) * 1000;
      const length = 20 + 80 * random();
      list.push({ start: t, end: t + length });
    }
    pauses.push(list);
  }
  /** When an answer due at `at` from `pod` really comes. */
  return (pod: number, at: number): number => {
    for (const p of pauses[pod]!) if (at >= p.start && at < p.end) return p.end;
    return at;
  };
}

/**
 * Pods that start cold (JIT, caches): latency starts `coldFactor + 1` times the base and falls as the
 * pod serves calls (e-folding every 300 calls), so a pod that gets fewer calls stays slow longer.
 */
export function coldStart(pods: number, coldFactor: (pod: number) => number) {
  const served = Array.from({ length: pods }, () => 0);
  return (pod: number, latencyMs: number): number => {
    served[pod]! += 1;
    return latencyMs * (1 + coldFactor(pod) * Math.exp(-served[pod]! / COLD_START_CALLS));
  };
}
const COLD_START_CALLS = 300;
