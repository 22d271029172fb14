import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LOAD_TRACKING, P2C_DEFAULTS } from '../../lib/config/defaults.js';
import { DEFAULT_LOAD_SETTINGS } from '../../lib/config/policy.js';
import { ChannelLatency } from '../../lib/picking/channel-latency.js';
import { EndpointLoad } from '../../lib/picking/load.js';
import type { LoadSettings } from '../../lib/picking/load-settings.js';
import { powerOfTwoChoices } from '../../lib/picking/p2c.js';
import { seededRandom } from '../helpers/random.js';

/** Equal within 0.1 %: estimates fade a little in the milliseconds between two steps of a test. */
function near(actual: number | undefined, expected: number, message?: string, tolerance = 1e-3): void {
  assert.ok(
    actual !== undefined && Math.abs(actual - expected) <= expected * tolerance,
    `${actual} ≉ ${expected} ${message ?? ''}`,
  );
}

function load(settings: Partial<LoadSettings> = {}, channel?: ChannelLatency): EndpointLoad {
  const s = { ...DEFAULT_LOAD_SETTINGS, ...settings };
  return new EndpointLoad(s, channel ?? new ChannelLatency(s), 0);
}

/** The test clock for answer()/warm()/fail(): each call starts 10 ms after the previous one ended. */
let t = 0;
const GAP_MS = 10;

function answer(l: EndpointLoad, ms: number): void {
  const at = t + GAP_MS;
  call(l, at, ms);
  t = at + ms;
}

function fail(l: EndpointLoad): void {
  const at = t + GAP_MS;
  call(l, at, 1, true);
  t = at + 1;
}

/** Well past the warm-up answers, at `ms` each. */
function warm(l: EndpointLoad, ms: number): void {
  t = 0;
  for (let i = 0; i < WARMED_ANSWERS; i++) answer(l, ms);
}
const WARMED_ANSWERS = 35;

/**
 * `count` calls, one started every `everyMs` (a pod that gets few calls), the i-th answering in
 * `ms(i)`; `t` ends at the last answer.
 */
function spacedAnswers(l: EndpointLoad, count: number, everyMs: number, ms: (i: number) => number): void {
  for (let i = 0; i < count; i++) {
    t += everyMs;
    call(l, t, ms(i));
  }
  t += ms(count - 1);
}

/** One call picked at `at`, started, and ended `ms` later. */
function call(l: EndpointLoad, at: number, ms: number, failed = false): void {
  l.picked(at);
  l.started(at, true);
  l.ended(at + ms, ms, true, failed);
}

describe('endpoint load (peak EWMA)', () => {
  it('before its first answer costs the channel’s typical latency, and is penalised with calls in flight', () => {
    const channel = new ChannelLatency(DEFAULT_LOAD_SETTINGS);
    const l = load({}, channel);
    assert.equal(
      l.cost(0),
      P2C_DEFAULTS.defaultLatencyMs,
      'no answer on the channel yet: the default latency',
    );
    call(load({}, channel), 0, 2);
    assert.equal(l.cost(2), 2, 'as fast as the others so far: a new pod gets its first call at once');
    l.picked(0);
    const penalised = l.cost(0);
    assert.ok(penalised > 1e9, 'an unmeasured endpoint with a call in flight is avoided');
    l.picked(0);
    assert.ok(l.cost(0) > penalised, 'and ordered by its calls in flight');
    assert.equal(l.estimate(0), undefined);
  });

  it('an answer far slower than the average raises the estimate at once (peak); the peak fades within a fraction of a second', () => {
    const l = load();
    warm(l, 10);
    near(l.estimate(t), 10);
    answer(l, 100);
    assert.equal(l.estimate(t), 100, 'peak');
    assert.ok(l.estimate(t + 500)! < 10, `faded: ${l.estimate(t + 500)}`);
  });

  it('the average is the running mean at first (warm-up answers included), and ordinary jitter is no peak', () => {
    const l = load();
    t = 0;
    for (let i = 0; i < 5; i++) answer(l, 10); // the warm-up answers
    answer(l, 14);
    answer(l, 18);
    near(l.estimate(t), (5 * 10 + 14 + 18) / 7, 'the mean of all seven answers, no peak');
  });

  it('one late answer moves the average as if it were twice the average: it is a peak, not a new normal', () => {
    const l = load();
    warm(l, 2);
    const before = l.estimate(t)!;
    answer(l, 50); // a pause of the pod, or of this machine
    assert.equal(l.estimate(t), 50, 'a peak at once');
    // 300 ms later the peak is gone; the average moved by at most a tenth of (2 × 2 - 2) and faded a
    // little (no answers: a third of the decay, 3.3 s).
    const after = l.estimate(t + 300)!;
    assert.ok(
      after <= (before + (2 * before - before) / 10) * Math.exp(-300 / (10_000 / 3)) + 1e-9,
      `${after}`,
    );
  });

  it('answers that stay above twice the average for half a second become the average (the pod changed)', () => {
    const l = load();
    warm(l, 2);
    spacedAnswers(l, 5, 150, (i) => 52 + i);
    // 100 ms on, the peak has faded: what is left is the average.
    assert.ok(
      l.estimate(t + 100)! > 40,
      `the average follows a pod now 50 ms slower: ${l.estimate(t + 100)}`,
    );
  });

  it('a pod whose average is stale-high comes back within a few fast answers, however far apart', () => {
    const l = load();
    warm(l, 2);
    spacedAnswers(l, 5, 150, () => 40);
    spacedAnswers(l, 40, 300, () => 2); // rarely picked while it looks slow
    assert.ok(l.estimate(t)! < 3, `back near 2 ms: ${l.estimate(t)}`);
  });

  it('a call out longer than the estimate counts as the latency of the endpoint now (a stall is seen before any deadline)', () => {
    const channel = new ChannelLatency(DEFAULT_LOAD_SETTINGS);
    const l = load({}, channel);
    const peer = load({}, channel);
    warm(l, 2);
    warm(peer, 2);
    const start = t + 10;
    l.picked(start);
    l.started(start, true);
    const young = l.cost(start + 1);
    assert.ok(young > 3.5 && young <= 4, `young: the estimate (2 ms), one call in flight: ${young}`);
    call(peer, start + 48, 2); // the client reads answers meanwhile: this one is late, not the client
    near(l.cost(start + 50), 50 * 2, 'out for 50 ms: at least 50 ms');
    l.ended(start + 60, 60, false, false, true);
    assert.ok(l.cost(start + 61) < 10, 'cancelled: nothing out, no sample');
    const stream = load({}, channel);
    warm(stream, 2);
    stream.picked(start);
    stream.started(start, false);
    assert.ok(stream.cost(start + 5000) < 10, 'a stream’s age proves nothing');
  });

  it('a call’s age counts only up to the last answer the client read (a pause of the client is not the endpoint’s)', () => {
    const channel = new ChannelLatency(DEFAULT_LOAD_SETTINGS);
    const l = load({}, channel);
    warm(l, 2);
    const start = t + 10;
    l.picked(start);
    l.started(start, true);
    // The client paused 30 ms (a GC): the first pick after it runs before the answers are read.
    assert.ok(l.cost(start + 30) < 5, `nothing heard since the call started: ${l.cost(start + 30)}`);
    // A local deadline ends another call in the timers phase, before any socket is read: not heard.
    const other = load({}, channel);
    other.picked(start);
    other.started(start, true);
    other.ended(start + 30, 30, true, false, true, false);
    assert.ok(l.cost(start + 30) < 5, `a local end is not an answer read: ${l.cost(start + 30)}`);
    const peer = load({}, channel);
    call(peer, start + 28, 2);
    near(l.cost(start + 30), 30 * 2, 'an answer read at +30: the call is out for at least 30 ms');
  });

  it('the first answers are a warm-up: a cold start shows as a peak, not in the average', () => {
    const l = load();
    for (const ms of [40, 30, 20, 2, 2]) answer(l, ms);
    for (let i = 0; i < 5; i++) answer(l, 2);
    assert.ok(l.estimate(t + 500)! < 3, `${l.estimate(t + 500)}`);
  });

  it('a slow newcomer is avoided from its first answer, asked again within a second, and avoided for longer once confirmed', () => {
    const slow = load();
    t = 0;
    answer(slow, 200);
    assert.ok(slow.estimate(t + 100)! > 100, `avoided at first: ${slow.estimate(t + 100)}`);
    assert.ok(
      slow.estimate(t + 1000)! < 20,
      `a second opinion (it may have been cold): ${slow.estimate(t + 1000)}`,
    );
    t += 1000;
    answer(slow, 200);
    assert.ok(
      slow.estimate(t + 1000)! > 100,
      `slow twice: it fades at the usual pace: ${slow.estimate(t + 1000)}`,
    );
    const cold = load();
    t = 0;
    for (const ms of [40, 3]) answer(cold, ms);
    assert.ok(cold.estimate(t + 300)! <= 3, 'a cold first answer does not stand for the average');
    const warming = load();
    t = 0;
    for (const ms of [35, 12]) answer(warming, ms);
    assert.ok(
      warming.estimate(t + 1000)! < 2,
      `warming up (each answer under half the last): ${warming.estimate(t + 1000)}`,
    );
  });

  it('a pod that stays slow keeps its estimate; while idle it fades (a third of the decay), so it is tried again', () => {
    const l = load({ decayMs: 10_000 });
    warm(l, 2);
    for (let i = 0; i < 300; i++) answer(l, 100);
    assert.ok(l.estimate(t)! > 90, `stays slow: ${l.estimate(t)}`);
    near(l.estimate(t + 10_000 / 3), l.estimate(t)! * Math.exp(-1), 'idle for a third of the decay: e^-1');
  });

  it('a failure holds the cost up for the decay time, and each one multiplies it by the penalty', () => {
    const l = load({ failurePenalty: 2, decayMs: 10_000 });
    warm(l, 10);
    fail(l);
    near(l.estimate(t), 20, 'twice the estimate', 0.02);
    fail(l);
    near(l.estimate(t), 40, 'twice again', 0.04);
    const held = l.estimate(t)!;
    near(l.estimate(t + 3000), held * Math.exp(-0.3), 'fades with the decay, not faster');
    const fresh = load({ failurePenalty: 2 });
    fresh.picked(0);
    fresh.started(0, true);
    fresh.ended(1, 1, true, true);
    near(fresh.estimate(1), 2 * P2C_DEFAULTS.defaultLatencyMs, 'unmeasured: from the typical latency');
  });

  it('costs latency × (calls in flight + 1), counting a call from its pick', () => {
    const channel = new ChannelLatency(DEFAULT_LOAD_SETTINGS);
    const peer = load({}, channel);
    t = 0;
    for (let i = 0; i < 200; i++) answer(peer, 2); // the channel's typical latency: ~2 ms
    const l = load({}, channel);
    for (let i = 0; i < 35; i++) answer(l, 20);
    const estimate = l.estimate(t)!;
    assert.ok(estimate > 2 * 2 * channel.ms, 'far above the floor: the estimate counts');
    near(l.cost(t), estimate);
    l.picked(t);
    l.picked(t);
    assert.equal(l.pending(t), 2, 'picked, not started yet: already counted');
    near(l.cost(t), 3 * estimate);
    l.started(t, true);
    l.started(t, true);
    assert.equal(l.pending(t), 2);
    l.ended(t + 5, 5, false, false);
    assert.equal(l.pending(t + 5), 1);
  });

  it('forgets a pick that never started', () => {
    const l = load();
    l.picked(0);
    assert.equal(l.pending(LOAD_TRACKING.unstartedExpiryMs - 1), 1);
    assert.equal(l.pending(LOAD_TRACKING.unstartedExpiryMs + 1), 0);
  });

  it('caps the estimate', () => {
    const l = load();
    call(l, 0, LOAD_TRACKING.maxLatencyMs * 10);
    assert.equal(l.estimate(0), LOAD_TRACKING.maxLatencyMs);
  });

  it('ignores calls that are no sample (cancelled, streams)', () => {
    const l = load();
    warm(l, 10);
    const end = t;
    l.picked(end);
    l.started(end, false);
    l.ended(end + 5000, 5000, false, false);
    near(l.estimate(end), 10);
  });

  it('least_request costs calls in flight only', () => {
    const l = load({ metric: 'least_request' });
    assert.equal(l.cost(0), 0);
    call(l, 0, 500);
    assert.equal(l.cost(500), 0);
    l.picked(500);
    assert.equal(l.cost(500), 1);
  });

  it('lets a burst of picks spread: each pick sees the ones before it', () => {
    const random = seededRandom(6);
    const loads = [load({ metric: 'least_request' }), load({ metric: 'least_request' })];
    for (let i = 0; i < 10; i++) {
      const k = powerOfTwoChoices(
        2,
        random,
        () => true,
        (x) => loads[x]!.cost(0),
      );
      loads[k]!.picked(0);
    }
    assert.deepEqual(
      loads.map((l) => l.pending(0)),
      [5, 5],
    );
  });

  it('counts every pick of a large burst, and forgets unstarted ones in pick order', () => {
    const l = load({ metric: 'least_request' });
    const burst = LOAD_TRACKING.unstartedCapacity + 44;
    for (let i = 0; i < burst; i++) l.picked(i < 100 ? 0 : 500);
    assert.equal(l.pending(500), burst, 'past the room kept, the oldest count as started');
    for (let i = 0; i < 10; i++) l.started(600, false);
    assert.equal(l.pending(600), burst);
    // Unstarted picks expire oldest first: those of time 0 go, those of time 500 stay.
    const expired = 100 - 44 - 10; // the first 44 became in flight, 10 started
    assert.equal(l.pending(LOAD_TRACKING.unstartedExpiryMs + 1), burst - expired);
  });
});
