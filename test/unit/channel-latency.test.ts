import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_LOAD_SETTINGS } from '../../lib/config/policy.js';
import { ChannelLatency, LatencyFloor } from '../../lib/picking/channel-latency.js';
import { EndpointLoad } from '../../lib/picking/load.js';

/** Equal within 1 %: estimates fade a little in the milliseconds between two steps of a test. */
function near(actual: number | undefined, expected: number, message: string): void {
  assert.ok(
    actual !== undefined && Math.abs(actual - expected) <= expected * 0.01,
    `${actual} ≉ ${expected}: ${message}`,
  );
}

/** A channel's endpoints on a test clock; each answer starts 10 ms after the previous one ended. */
class Channel {
  readonly latency = new ChannelLatency(DEFAULT_LOAD_SETTINGS);
  t = 0;

  endpoint(): EndpointLoad {
    return new EndpointLoad(DEFAULT_LOAD_SETTINGS, this.latency, this.t);
  }

  answer(load: EndpointLoad, ms: number, times = 1): void {
    for (let i = 0; i < times; i++) {
      const at = this.t + 10;
      load.picked(at);
      load.started(at, true);
      load.ended(at + ms, ms, true, false);
      this.t = at + ms;
    }
  }
}

describe('latency floor', () => {
  it('under twice the fastest pod’s latency, the calls in flight decide', () => {
    const c = new Channel();
    const [fast, cold, slow] = [c.endpoint(), c.endpoint(), c.endpoint()];
    for (let i = 0; i < 100; i++) {
      c.answer(fast, 2);
      c.answer(cold, 5); // a cold pod, 2.5× slower for now
      c.answer(slow, 200);
    }
    const floorMs = new LatencyFloor([fast, cold, slow], c.latency).at(c.t);
    near(floorMs, 2 * fast.estimate(c.t)!, 'twice the fastest: the slow pod does not raise it');
    near(fast.cost(c.t, floorMs), floorMs, 'the fastest costs the floor');
    assert.ok(cold.cost(c.t, floorMs) < 1.5 * fast.cost(c.t, floorMs), 'a tie: the cold pod keeps its share');
    assert.ok(slow.cost(c.t, floorMs) > 10 * fast.cost(c.t, floorMs), 'the slow pod is still avoided');
    fast.picked(c.t);
    assert.ok(
      fast.cost(c.t, floorMs) > 1.5 * cold.cost(c.t, floorMs),
      'one more call in flight is told apart',
    );
  });

  it('falls at once when a faster pod answers, rises only at its rescan', () => {
    const c = new Channel();
    const [slow, fast, newcomer] = [c.endpoint(), c.endpoint(), c.endpoint()];
    const floor = new LatencyFloor([slow, fast, newcomer], c.latency);
    c.answer(slow, 50, 2); // the channel's first answers came from the slow pod
    const scannedAt = c.t;
    near(floor.at(scannedAt), 100, 'only the slow pod has answered');
    near(newcomer.cost(c.t, floor.at(c.t)), 50, 'unmeasured: the typical latency (slow answers only)');
    c.answer(fast, 2, 2);
    near(floor.at(c.t), 4, 'within the same refresh period: down at once');
    near(newcomer.cost(c.t, floor.at(c.t)), 4, 'unmeasured: no more than the floor');
    assert.ok(slow.cost(c.t, floor.at(c.t)) > 10 * fast.cost(c.t, floor.at(c.t)), 'the slow pod is avoided');
    c.answer(fast, 30); // a peak: the fastest pod's estimate is 30 ms for a moment
    near(floor.at(c.t), 4, 'no rise before the rescan');
    const rescanAt = scannedAt + 100;
    near(floor.at(rescanAt), 2 * fast.estimate(rescanAt)!, 'the rescan: twice the fastest again');
    assert.ok(floor.at(rescanAt) > 8, `the floor followed the fastest up: ${floor.at(rescanAt)}`);
  });

  it('rests on neither a single answer (it fades in 333 ms) nor an endpoint outside the picker', () => {
    const c = new Channel();
    const [steady, once, draining] = [c.endpoint(), c.endpoint(), c.endpoint()];
    c.answer(steady, 20, 10);
    const floor = new LatencyFloor([steady, once], c.latency);
    near(floor.at(c.t), 40, 'the steady pod');
    c.answer(once, 52);
    const later = c.t + 2000;
    assert.ok(once.estimate(later)! < 1, 'one answer fades fast (the second opinion)');
    assert.ok(floor.at(later) > 10, `a single answer is not the fastest: ${floor.at(later)}`);
    draining.candidate = false;
    c.answer(draining, 1, 5);
    assert.ok(floor.at(c.t) > 10, 'a draining endpoint’s fast answers do not lower the floor');
  });

  it('is no floor while no candidate has answered twice', () => {
    const c = new Channel();
    const a = c.endpoint();
    const floor = new LatencyFloor([a], c.latency);
    assert.equal(floor.at(0), 0);
    c.answer(a, 5);
    assert.equal(floor.at(c.t), 0, 'one answer');
    c.answer(a, 5);
    near(floor.at(c.t), 10, 'two answers');
  });
});

describe('channel latency', () => {
  it('is the default latency until the first answer, then an EWMA of every endpoint’s answers', () => {
    const c = new Channel();
    assert.equal(c.latency.ms, DEFAULT_LOAD_SETTINGS.defaultLatencyMs);
    c.answer(c.endpoint(), 4);
    assert.equal(c.latency.ms, 4);
    c.answer(c.endpoint(), 8);
    assert.ok(c.latency.ms > 4 && c.latency.ms < 8);
  });

  it('hears answers read from servers, not local ends', () => {
    const c = new Channel();
    const load = c.endpoint();
    load.picked(0);
    load.started(0, true);
    load.ended(100, 100, true, false, true, false);
    assert.equal(c.latency.heardAt, Number.NEGATIVE_INFINITY, 'a local deadline');
    load.picked(100);
    load.started(100, true);
    load.ended(102, 2, false, false);
    assert.equal(c.latency.heardAt, Number.NEGATIVE_INFINITY, 'a cancel');
    c.answer(load, 2);
    assert.equal(c.latency.heardAt, c.t);
  });
});
