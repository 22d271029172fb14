import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_EJECTION_SETTINGS,
  type EjectionEvent,
  type EjectionSettings,
  EjectionTracker,
} from '../../lib/health/ejection.js';
import { inPanic } from '../../lib/health/panic.js';
import { accepts, slowStartWeight } from '../../lib/health/slow-start.js';
import { StallDetector, type StallTicket } from '../../lib/health/stall.js';
import { FakeClock } from '../helpers/fake-clock.js';

function tracker(overrides: Partial<EjectionSettings> = {}, keys = ['a', 'b', 'c'], random = () => 0) {
  const clock = new FakeClock();
  const events: EjectionEvent[] = [];
  const t = new EjectionTracker({ ...DEFAULT_EJECTION_SETTINGS, ...overrides }, clock, random, (e) =>
    events.push(e),
  );
  for (const k of keys) t.add(k);
  const fail = (key: string, n: number) => {
    for (let i = 0; i < n; i++) t.record(key, true);
  };
  return { t, clock, events, fail };
}

describe('ejection: consecutive failures', () => {
  it('ejects after 5 failures in a row, not 4', () => {
    const { t, events, fail } = tracker();
    fail('a', 4);
    assert.ok(t.isPickable('a'));
    fail('a', 1);
    assert.equal(t.isPickable('a'), false);
    assert.deepEqual(events, [
      { kind: 'ejected', key: 'a', reason: 'consecutive_failures', durationMs: 30000, ejections: 1 },
    ]);
  });

  it('a success resets the count', () => {
    const { t, fail } = tracker();
    fail('a', 4);
    t.record('a', false);
    fail('a', 4);
    assert.ok(t.isPickable('a'));
  });

  it('can be turned off', () => {
    const { t, fail } = tracker({ consecutiveFailures: 0 });
    fail('a', 50);
    assert.ok(t.isPickable('a'));
  });
});

describe('ejection: cap on ejected endpoints', () => {
  it('lets one of three be ejected, but not two', () => {
    const { t, events, fail } = tracker();
    assert.equal(t.maxEjected(), 1);
    fail('a', 5);
    fail('b', 5);
    assert.equal(t.isPickable('a'), false);
    assert.equal(t.isPickable('b'), true);
    assert.deepEqual(events[1], { kind: 'ejection_skipped', key: 'b', reason: 'consecutive_failures' });
  });

  it('an ejected endpoint that cannot connect takes no slot: a failing, connected one is still ejected', () => {
    const { t, events, fail } = tracker();
    t.setReachable('a', false); // a crashed pod still in DNS: its connection attempts fail
    fail('a', 5);
    fail('b', 5);
    assert.equal(t.isPickable('a'), false);
    assert.equal(t.isPickable('b'), false, 'b ejected too');
    assert.ok(!events.some((e) => e.kind === 'ejection_skipped'));
    // Once a connects again it counts: c cannot be ejected while a and b are out.
    t.setReachable('a', true);
    fail('c', 5);
    assert.equal(t.isPickable('c'), true);
  });

  it('allows 10 % of twenty, one of ten, and none of one', () => {
    const many = Array.from({ length: 20 }, (_, i) => String(i));
    assert.equal(tracker({}, many).t.maxEjected(), 2);
    assert.equal(tracker({}, many.slice(0, 10)).t.maxEjected(), 1);
    const single = tracker({}, ['only']);
    assert.equal(single.t.maxEjected(), 0);
    single.fail('only', 10);
    assert.ok(single.t.isPickable('only'), 'the only endpoint is never ejected');
  });
});

describe('ejection: time, probation and restore', () => {
  it('puts the endpoint on probation when its time is over: one trial call, restored on success', async () => {
    const { t, clock, events, fail } = tracker();
    fail('a', 5);
    await clock.advance(29_999);
    assert.equal(t.isPickable('a'), false);
    await clock.advance(1);
    assert.equal(events.at(-1)!.kind, 'probation');
    assert.ok(t.isPickable('a'));
    const trial = t.startCall('a');
    assert.equal(trial, true);
    assert.equal(t.isPickable('a'), false, 'only one trial call at a time');
    assert.equal(t.startCall('a'), false, 'a second call is not a trial');
    t.record('a', false, trial);
    assert.deepEqual(events.at(-1), { kind: 'restored', key: 'a' });
    assert.ok(t.isPickable('a'));
  });

  it('re-ejects on a failed trial, for longer (base × ejections), capped at the maximum', async () => {
    const { t, clock, events, fail } = tracker({ maxEjectionMs: 70_000 });
    fail('a', 5);
    const durations = [30_000];
    for (let i = 0; i < 3; i++) {
      await clock.advance(durations.at(-1)!);
      t.record('a', true, t.startCall('a'));
      const e = events.at(-1)!;
      assert.equal(e.kind, 'ejected');
      if (e.kind === 'ejected') {
        assert.equal(e.reason, 'probation_failed');
        durations.push(e.durationMs);
      }
    }
    assert.deepEqual(durations, [30_000, 60_000, 70_000, 70_000]);
  });

  it('a failed trial is re-ejected even when the cap is full', async () => {
    const { t, clock, fail } = tracker();
    fail('a', 5);
    await clock.advance(30_000);
    t.record('a', true, t.startCall('a'));
    assert.ok(t.isEjected('a'));
  });

  it('a cancelled trial call can be tried again', async () => {
    const { t, clock, fail } = tracker();
    fail('a', 5);
    await clock.advance(30_000);
    t.abandoned('a', t.startCall('a'));
    assert.ok(t.isPickable('a'));
  });

  it('adds up to 10 % jitter', () => {
    const { events, fail } = tracker({}, ['a', 'b', 'c'], () => 0.999);
    fail('a', 5);
    const e = events[0]!;
    assert.ok(e.kind === 'ejected' && e.durationMs > 30_000 && e.durationMs <= 33_000);
  });

  it('forgets one ejection per quiet interval', async () => {
    const { t, clock, events, fail } = tracker();
    fail('a', 5);
    await clock.advance(30_000);
    t.record('a', false, t.startCall('a')); // restored with 1 ejection on record
    await clock.advance(10_000); // a quiet interval: back to 0
    fail('a', 5);
    const e = events.at(-1)!;
    assert.ok(e.kind === 'ejected' && e.ejections === 1 && e.durationMs === 30_000);
  });
});

describe('ejection: only the trial decides a probation', () => {
  it('ignores calls sent before the ejection that end during probation', async () => {
    const { t, clock, events, fail } = tracker();
    fail('a', 5);
    await clock.advance(30_000);
    t.record('a', false); // an old call, not the trial
    t.record('a', true);
    assert.equal(events.at(-1)!.kind, 'probation', 'still on probation');
    assert.ok(t.isPickable('a'), 'its trial is still to come');
  });

  it('ignores outcomes while ejected', () => {
    const { events, fail } = tracker();
    fail('a', 5);
    fail('a', 20);
    assert.equal(events.length, 1);
  });

  it('a cap of 0 % turns ejection off', () => {
    const { t, fail } = tracker({ maxEjectedPercent: 0 });
    fail('a', 10);
    assert.ok(t.isPickable('a'));
  });
});

describe('ejection: failure percentage per interval (A50)', () => {
  it('ejects at ≥ 85 % failures over ≥ 20 calls, evaluated at the interval', async () => {
    const { t, clock, events } = tracker({ consecutiveFailures: 0 });
    for (let i = 0; i < 20; i++) t.record('a', i % 10 !== 0); // 90 % failures
    assert.ok(t.isPickable('a'), 'nothing happens before the interval');
    await clock.advance(10_000);
    assert.deepEqual(events[0], {
      kind: 'ejected',
      key: 'a',
      reason: 'failure_percentage',
      durationMs: 30_000,
      ejections: 1,
    });
  });

  it('needs the minimum volume and the threshold', async () => {
    const { t, clock, events } = tracker({ consecutiveFailures: 0 });
    for (let i = 0; i < 19; i++) t.record('a', true); // too few
    for (let i = 0; i < 20; i++) t.record('b', i % 5 !== 0); // 80 %
    await clock.advance(10_000);
    assert.deepEqual(events, []);
  });

  it('counts each interval afresh', async () => {
    const { t, clock, events } = tracker({ consecutiveFailures: 0 });
    for (let i = 0; i < 15; i++) t.record('a', true);
    await clock.advance(10_000);
    for (let i = 0; i < 15; i++) t.record('a', true);
    await clock.advance(10_000);
    assert.deepEqual(events, []);
  });
});

describe('ejection: lifecycle', () => {
  it('removing endpoints cancels their timers, and the interval stops with the last one', async () => {
    const { t, clock, fail } = tracker();
    fail('a', 5);
    t.remove('a');
    t.destroy();
    assert.deepEqual(clock.pending(), []);
  });
});

describe('panic mode', () => {
  it('engages below half usable, not at half', () => {
    assert.equal(inPanic(2, 5), true);
    assert.equal(inPanic(3, 5), false);
    assert.equal(inPanic(1, 2), false);
    assert.equal(inPanic(0, 0), false);
    assert.equal(inPanic(0, 3, 0), false, 'threshold 0 turns it off');
  });
});

describe('slow start', () => {
  const settings = { windowMs: 30_000, aggression: 1, minWeightPercent: 10 };
  it('ramps linearly with aggression 1, from the minimum weight to 1', () => {
    assert.equal(slowStartWeight(0, settings), 0.1);
    assert.equal(slowStartWeight(15_000, settings), 0.5);
    assert.equal(slowStartWeight(30_000, settings), 1);
    assert.equal(slowStartWeight(99_999, settings), 1);
  });

  it('ramps faster early with a higher aggression', () => {
    assert.ok(slowStartWeight(7_500, { ...settings, aggression: 2 }) > slowStartWeight(7_500, settings));
  });

  it('accepts a call with probability equal to the weight', () => {
    let accepted = 0;
    let r = 0;
    const random = () => {
      r = (r + 0.618033988749) % 1;
      return r;
    };
    for (let i = 0; i < 10_000; i++) if (accepts(0.3, random)) accepted++;
    assert.ok(Math.abs(accepted - 3000) < 100, `${accepted}`);
    assert.ok(accepts(1, () => 0.99));
  });
});

describe('stall detection', () => {
  const ok = (s: StallDetector, t: StallTicket, now: number) => s.callEnded(t, now, true);

  it('marks an endpoint stalled when calls sent since its last answer are far older than usual', () => {
    const s = new StallDetector();
    ok(s, s.callStarted(0), 2); // usual latency 2 ms
    s.callStarted(10);
    s.callStarted(60);
    assert.equal(s.isStalled(100), false, '90 ms is under the 100 ms floor');
    assert.equal(s.isStalled(111), true);
  });

  it('uses ten times the usual latency when that is above the floor', () => {
    const s = new StallDetector();
    ok(s, s.callStarted(0), 50);
    s.callStarted(100);
    s.callStarted(100);
    assert.equal(s.isStalled(599), false);
    assert.equal(s.isStalled(601), true);
  });

  it('uses the peers’ latency for an endpoint with no history', () => {
    const s = new StallDetector();
    s.callStarted(0);
    s.callStarted(0);
    assert.equal(s.isStalled(150, 20), false);
    assert.equal(s.isStalled(201, 20), true);
  });

  it('recovers the moment the endpoint answers any call', () => {
    const s = new StallDetector();
    const first = s.callStarted(0);
    s.callStarted(0);
    s.callStarted(0);
    assert.equal(s.isStalled(500), true);
    ok(s, first, 500);
    assert.equal(s.isStalled(501), false);
  });

  it('a hung endpoint gets one probe at a time once its calls have timed out', () => {
    const s = new StallDetector();
    const a = s.callStarted(0);
    const b = s.callStarted(50);
    assert.equal(s.isStalled(200), true);
    s.callEnded(a, 300, false); // deadline
    assert.equal(s.isStalled(301), true, 'b is still out');
    s.callEnded(b, 350, false);
    assert.equal(s.isStalled(351), false, 'all timed out: one probe may go');
    const probe = s.callStarted(351);
    assert.equal(s.isStalled(352), true, 'and only one');
    s.callEnded(probe, 651, false);
    assert.equal(s.isStalled(652), false);
  });

  it('never marks a single long-lived call (a stream) as a stall', () => {
    const s = new StallDetector();
    s.callStarted(0);
    assert.equal(s.isStalled(3_600_000), false);
  });

  it('a long stream opened earlier neither causes nor hides a stall', () => {
    const s = new StallDetector();
    const stream = s.callStarted(0);
    for (let t = 10; t < 1000; t += 10) ok(s, s.callStarted(t), t + 1);
    s.callStarted(995);
    assert.equal(s.isStalled(1000), false, 'calls are answered: not stalled');
    s.callStarted(1000); // the pod hangs: two calls out since the last answer
    assert.equal(s.isStalled(1096), true, 'hung behind the stream: stalled after the 100 ms floor');
    s.callEnded(stream, 1100, false); // the old stream ending proves nothing and changes nothing
    assert.equal(s.isStalled(1101), true);
  });
});
