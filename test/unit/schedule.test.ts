import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Backoff, nextPollDelay } from '../../lib/discovery/schedule.js';
import { sequence } from '../helpers/fake-clock.js';

const base = { pollIntervalMs: 5000, pollJitter: 0.1, respectTtl: false, minResolutionIntervalMs: 1000 };

describe('poll scheduling', () => {
  it('jitters the interval by ±10 %', () => {
    assert.equal(
      nextPollDelay(base, undefined, () => 0),
      4500,
    );
    assert.equal(
      nextPollDelay(base, undefined, () => 0.5),
      5000,
    );
    assert.equal(
      nextPollDelay(base, undefined, () => 0.999999),
      5500,
    );
  });

  it('spreads delays over the whole jitter range', () => {
    const delays = Array.from({ length: 200 }, (_, i) => nextPollDelay(base, undefined, () => i / 200));
    assert.ok(Math.min(...delays) <= 4510 && Math.max(...delays) >= 5490);
  });

  it('ignores the TTL unless asked', () => {
    assert.equal(
      nextPollDelay(base, 1, () => 0.5),
      5000,
    );
  });

  it('never waits longer than the TTL when respectTtl is on', () => {
    assert.equal(
      nextPollDelay({ ...base, respectTtl: true }, 2, () => 0.5),
      2000,
    );
    assert.equal(
      nextPollDelay({ ...base, respectTtl: true }, 30, () => 0.5),
      5000,
    );
  });

  it('never goes under the floor, even with TTL 0', () => {
    assert.equal(
      nextPollDelay({ ...base, respectTtl: true }, 0, () => 0.5),
      1000,
    );
  });
});

describe('back-off', () => {
  it('starts at the floor, doubles, and caps at the poll interval', () => {
    const b = new Backoff(1000, 5000, () => 0.5);
    assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next()], [1000, 2000, 4000, 5000, 5000]);
  });

  it('jitters within ±20 % but stays within [floor, max]', () => {
    const b = new Backoff(1000, 5000, sequence(0, 0.999999));
    const delays = [b.next(), b.next(), b.next(), b.next()];
    assert.deepEqual(delays, [1000, 2400, 3200, 5000]);
  });

  it('starts over after reset', () => {
    const b = new Backoff(1000, 5000, () => 0.5);
    b.next();
    b.next();
    b.reset();
    assert.equal(b.next(), 1000);
  });
});
