import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LOAD_TRACKING, P2C_DEFAULTS } from '../../lib/config/defaults.js';
import { DEFAULT_LOAD_SETTINGS } from '../../lib/config/policy.js';
import { EndpointLoad, type LoadSettings, TypicalLatency } from '../../lib/picking/load.js';
import { powerOfTwoChoices } from '../../lib/picking/p2c.js';
import { seededRandom } from '../helpers/random.js';

const always = () => true;

/** Equal within 0.1 %: estimates fade a little in the milliseconds between two steps of a test. */
function near(actual: number | undefined, expected: number, message?: string): void {
  assert.ok(
    actual !== undefined && Math.abs(actual - expected) <= expected * 1e-3,
    `${actual} ≉ ${expected} ${message ?? ''}`,
  );
}

describe('power of two choices', () => {
  it('compares two distinct endpoints, and takes the cheaper', () => {
    const random = seededRandom(1);
    for (const n of [2, 3, 10]) {
      for (let i = 0; i < 1000; i++) {
        const compared: number[] = [];
        const chosen = powerOfTwoChoices(n, random, always, (k) => {
          compared.push(k);
          return k;
        });
        assert.equal(compared.length, 2);
        assert.notEqual(compared[0], compared[1], 'two distinct choices');
        assert.equal(chosen, Math.min(compared[0]!, compared[1]!));
      }
    }
  });

  it('with one endpoint, returns it when usable and -1 otherwise; with two, the usable one', () => {
    const random = seededRandom(2);
    assert.equal(
      powerOfTwoChoices(1, random, always, () => 0),
      0,
    );
    assert.equal(
      powerOfTwoChoices(
        1,
        random,
        () => false,
        () => 0,
      ),
      -1,
    );
    assert.equal(
      powerOfTwoChoices(0, random, always, () => 0),
      -1,
    );
    for (let i = 0; i < 100; i++) {
      assert.equal(
        powerOfTwoChoices(
          2,
          random,
          (k) => k === 1,
          () => 0,
        ),
        1,
      );
      assert.equal(
        powerOfTwoChoices(
          2,
          random,
          () => false,
          () => 0,
        ),
        -1,
      );
    }
  });

  it('spreads evenly over equal endpoints', () => {
    const random = seededRandom(3);
    const n = 10;
    const picks = 100_000;
    const counts = new Array<number>(n).fill(0);
    for (let i = 0; i < picks; i++) counts[powerOfTwoChoices(n, random, always, () => 1)]! += 1;
    for (const c of counts) assert.ok(Math.abs(c / picks - 1 / n) < 0.01, `share ${c / picks}`);
  });

  it('never picks the strictly most expensive endpoint when all are usable', () => {
    const random = seededRandom(4);
    for (let i = 0; i < 10_000; i++) {
      assert.notEqual(
        powerOfTwoChoices(5, random, always, (k) => (k === 3 ? 100 : 1)),
        3,
      );
    }
  });

  it('with a tolerance, costs close to each other are a tie (even split) and clearly different ones are not', () => {
    const random = seededRandom(7);
    const counts = [0, 0];
    for (let i = 0; i < 10_000; i++)
      counts[powerOfTwoChoices(2, random, always, (k) => (k === 0 ? 1 : 1.4), 1.5)]! += 1;
    assert.ok(Math.abs(counts[0]! - counts[1]!) < 500, `a tie: ${counts}`);
    for (let i = 0; i < 1000; i++) {
      assert.equal(
        powerOfTwoChoices(2, random, always, (k) => (k === 0 ? 1 : 2), 1.5),
        0,
        'twice the cost loses',
      );
    }
  });

  it('finds the usable endpoints when most are not, and never returns an unusable one', () => {
    const random = seededRandom(5);
    const counts = new Map<number, number>();
    for (let i = 0; i < 10_000; i++) {
      const k = powerOfTwoChoices(
        1000,
        random,
        (x) => x === 7 || x === 900,
        () => 0,
      );
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    assert.deepEqual(
      [...counts.keys()].sort((a, b) => a - b),
      [7, 900],
    );
  });
});

function load(settings: Partial<LoadSettings> = {}, typical?: TypicalLatency): EndpointLoad {
  const s = { ...DEFAULT_LOAD_SETTINGS, ...settings };
  return new EndpointLoad(s, typical ?? new TypicalLatency(s), 0);
}

/** One call picked at `at`, started, and ended `ms` later. */
function call(l: EndpointLoad, at: number, ms: number, failed = false): void {
  l.picked(at);
  l.started();
  l.ended(at + ms, ms, true, failed);
}

describe('endpoint load (peak EWMA)', () => {
  it('before its first answer costs the channel’s typical latency, and is penalised with calls in flight', () => {
    const typical = new TypicalLatency(DEFAULT_LOAD_SETTINGS);
    const l = load({}, typical);
    assert.equal(
      l.cost(0),
      P2C_DEFAULTS.defaultLatencyMs,
      'no answer on the channel yet: the default latency',
    );
    call(load({}, typical), 0, 2);
    assert.equal(l.cost(2), 2, 'as fast as the others so far: a new pod gets its first call at once');
    l.picked(0);
    const penalised = l.cost(0);
    assert.ok(penalised > 1e9, 'an unmeasured endpoint with a call in flight is avoided');
    l.picked(0);
    assert.ok(l.cost(0) > penalised, 'and ordered by its calls in flight');
    assert.equal(l.estimate(0), undefined);
  });

  it('a slower answer raises the estimate at once (peak); the average moves with the decay time constant', () => {
    const l = load({ decayMs: 10_000 });
    call(l, 0, 10); // ends at 10
    assert.equal(l.estimate(10), 10, 'the first answer is the estimate');
    call(l, 10, 100); // ends at 110
    assert.equal(l.estimate(110), 100, 'peak');
    // The average starts as the running mean of the answers (so the first, cold one does not linger) ...
    const average1 = (10 + 100) / 2;
    // ... then moves with weight 1 − e^(−Δt / decay): here Δt = 10 s. The peak has long faded.
    call(l, 10_110, 10); // ends at 10_120
    const weight = 1 - Math.exp(-10_010 / 10_000);
    near(l.estimate(10_120), average1 + (10 - average1) * weight);
  });

  it('a burst of slow answers fades within seconds; a pod that stays slow keeps a high estimate', () => {
    const burst = load({ decayMs: 10_000 });
    const STEP = 10;
    let t = 0;
    const answer = (l: EndpointLoad, ms: number) => {
      t += STEP;
      call(l, t, ms);
    };
    for (let i = 0; i < 10; i++) answer(burst, 2);
    for (let i = 0; i < 3; i++) answer(burst, 100); // a GC pause: three late answers
    assert.ok(burst.estimate(t)! >= 99, 'the peak counts at once');
    for (let i = 0; i < 300; i++) answer(burst, 2); // 3 s of fast answers
    assert.ok(burst.estimate(t)! < 10, `faded: ${burst.estimate(t)}`);
    const slow = load({ decayMs: 10_000 });
    t = 0;
    for (let i = 0; i < 300; i++) answer(slow, 100);
    near(slow.estimate(t), 100);
    assert.ok(slow.estimate(t + 3000)! > 70, 'idle for 3 s, still known to be slow');
  });

  it('a failure is never filtered: it counts at once', () => {
    const l = load({ failurePenalty: 2 });
    for (let i = 0; i < 5; i++) call(l, i * 10, 10);
    call(l, 50, 1, true);
    near(l.estimate(51), 20);
  });

  it('decays towards 0 while idle, so a pod that was slow is tried again', () => {
    const l = load({ decayMs: 10_000 });
    call(l, 0, 50);
    assert.ok(Math.abs(l.estimate(10_050)! - 50 * Math.exp(-1)) < 1e-9);
    assert.ok(l.estimate(100_000)! < 0.01);
  });

  it('costs latency × (calls in flight + 1), counting a call from its pick', () => {
    const l = load();
    call(l, 0, 20);
    assert.equal(l.cost(20), 20);
    l.picked(20);
    l.picked(20);
    assert.equal(l.pending(20), 2, 'picked, not started yet: already counted');
    assert.equal(l.cost(20), 60);
    l.started();
    l.started();
    assert.equal(l.pending(20), 2);
    l.ended(25, 5, false, false);
    assert.equal(l.pending(25), 1);
  });

  it('forgets a pick that never started', () => {
    const l = load();
    l.picked(0);
    assert.equal(l.pending(LOAD_TRACKING.unstartedExpiryMs - 1), 1);
    assert.equal(l.pending(LOAD_TRACKING.unstartedExpiryMs + 1), 0);
  });

  it('counts a failed call as slow: each failure multiplies the estimate by the penalty', () => {
    const l = load({ failurePenalty: 2 });
    call(l, 0, 10);
    call(l, 10, 1, true);
    near(l.estimate(11), 20);
    call(l, 11, 1, true);
    near(l.estimate(12), 40);
    const fresh = load({ failurePenalty: 2 });
    call(fresh, 0, 1, true);
    near(fresh.estimate(1), 2 * P2C_DEFAULTS.defaultLatencyMs, 'unmeasured: from the default latency');
  });

  it('caps the estimate', () => {
    const l = load();
    call(l, 0, LOAD_TRACKING.maxLatencyMs * 10);
    assert.equal(l.estimate(0), LOAD_TRACKING.maxLatencyMs);
  });

  it('ignores calls that are no sample (cancelled, streams)', () => {
    const l = load();
    call(l, 0, 10);
    l.picked(10);
    l.started();
    l.ended(5000, 4990, false, false);
    assert.equal(l.estimate(10), 10);
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
      const k = powerOfTwoChoices(2, random, always, (x) => loads[x]!.cost(0));
      loads[k]!.picked(0);
    }
    assert.deepEqual(
      loads.map((l) => l.pending(0)),
      [5, 5],
    );
  });
});
