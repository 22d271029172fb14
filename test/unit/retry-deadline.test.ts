import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RetryDeadline } from '../../lib/retry/deadline.js';
import { MethodRetryPolicies, type RetryBackoff } from '../../lib/retry/method-policy.js';
import { FakeClock } from '../helpers/fake-clock.js';

const UNAVAILABLE = 14;
const INTERNAL = 13;
const NAMES: Record<number, string> = { 13: 'INTERNAL', 14: 'UNAVAILABLE' };
const POLICY: RetryBackoff = {
  maxAttempts: 4,
  initialBackoffMs: 100,
  maxBackoffMs: 300,
  backoffMultiplier: 2,
  retryableCodes: ['UNAVAILABLE'],
};

function tracker(deadlineMs: number, policy = POLICY, limit = 5) {
  const clock = new FakeClock();
  const cancelled: { code: number; details: string }[] = [];
  const t = new RetryDeadline(
    policy,
    limit,
    deadlineMs,
    clock,
    (c) => NAMES[c],
    (code, details) => cancelled.push({ code, details }),
  );
  return { t, clock, cancelled };
}

/** One attempt: a pick, then its end with `code` at the current time. */
function attempt(t: RetryDeadline, code = UNAVAILABLE, pushback: number | null = null): void {
  t.attemptEnded(t.picked(), code, 'boom', pushback);
}

describe('retry deadline', () => {
  it('ends the call with the original error when less time is left than the shortest back-off', () => {
    const { t, cancelled } = tracker(79); // shortest first back-off: 0.8 × 100 ms
    attempt(t);
    assert.equal(cancelled.length, 1);
    assert.equal(cancelled[0]!.code, UNAVAILABLE);
    assert.match(
      cancelled[0]!.details,
      /^boom \(not retried: 79 ms left before the deadline, less than the retry back-off of at least 80 ms\)$/,
    );
  });

  it('lets grpc-js retry when the back-off may fit', () => {
    const { t, cancelled } = tracker(80);
    attempt(t);
    assert.equal(cancelled.length, 0);
  });

  it('follows the back-off as it grows and is capped', async () => {
    // Back-offs 100, 200, 300 (cap): shortest waits 80, 160, 240.
    const { t, clock, cancelled } = tracker(1000);
    attempt(t); // 80 ≤ 1000
    await clock.advance(800);
    attempt(t); // 160 < 200 left: retried
    assert.equal(cancelled.length, 0);
    await clock.advance(100);
    attempt(t); // 240 > 100 left
    assert.equal(cancelled.length, 1);
    assert.match(cancelled[0]!.details, /at least 240 ms/);
  });

  it('uses the server pushback instead, which also resets the back-off', async () => {
    const { t, clock, cancelled } = tracker(500);
    attempt(t, UNAVAILABLE, 400); // 400 ≤ 500
    await clock.advance(450);
    attempt(t, UNAVAILABLE, 100); // 100 > 50 left
    assert.equal(cancelled.length, 1);
    assert.match(cancelled[0]!.details, /at least 100 ms/);
  });

  it('does nothing when grpc-js would not retry anyway', () => {
    // Not a retryable code, a negative pushback, the attempts used up.
    const a = tracker(10);
    attempt(a.t, INTERNAL);
    attempt(a.t, UNAVAILABLE, -1);
    const b = tracker(1e9, { ...POLICY, maxAttempts: 2 });
    attempt(b.t);
    const c = tracker(1e9, { ...POLICY, maxAttempts: 2 });
    attempt(c.t);
    // maxAttempts 2 means one retry: the second failure ends the call without us.
    attempt(c.t);
    assert.deepEqual(
      [a, b, c].map((x) => x.cancelled.length),
      [0, 0, 0],
    );
  });

  it("counts grpc-js's attempt limit as well as the policy's", () => {
    const { t, cancelled } = tracker(10, { ...POLICY, maxAttempts: 5 }, 1);
    attempt(t);
    assert.equal(cancelled.length, 0, 'a limit of 1 attempt: grpc-js never retries');
  });

  it('leaves a transparent retry or a hedge alone: another pick came after the attempt', () => {
    const { t, cancelled } = tracker(10);
    const seq = t.picked();
    t.picked(); // grpc-js started the next attempt before telling the first one's end
    t.attemptEnded(seq, UNAVAILABLE, 'refused', null);
    assert.equal(cancelled.length, 0);
  });

  it('cancels at most once', () => {
    const other = tracker(10);
    const s = other.t.picked();
    other.t.attemptEnded(s, UNAVAILABLE, 'x', null);
    other.t.attemptEnded(s, UNAVAILABLE, 'x', null);
    assert.equal(other.cancelled.length, 1);
  });

  it('matches retryable codes given as numbers too', () => {
    const { t, cancelled } = tracker(10, { ...POLICY, retryableCodes: [UNAVAILABLE] });
    attempt(t);
    assert.equal(cancelled.length, 1);
  });
});

describe('method retry policies', () => {
  const retryPolicy = (ms: number) => ({
    maxAttempts: 3,
    initialBackoff: `${ms / 1000}s`,
    maxBackoff: '1s',
    backoffMultiplier: 2,
    retryableStatusCodes: ['unavailable', 14],
  });
  const config = JSON.stringify({
    methodConfig: [
      { name: [{}], retryPolicy: retryPolicy(10) },
      { name: [{ service: 'pkg.Echo' }], retryPolicy: retryPolicy(20) },
      { name: [{ service: 'pkg.Echo', method: 'Call' }], retryPolicy: retryPolicy(30) },
      { name: [{ service: 'pkg.NoRetry' }] },
    ],
  });

  it('matches as grpc-js does: service and method, then service, then the empty name', () => {
    const policies = MethodRetryPolicies.fromServiceConfig(config);
    assert.equal(policies.forPath('/pkg.Echo/Call')?.initialBackoffMs, 30);
    assert.equal(policies.forPath('/pkg.Echo/Other')?.initialBackoffMs, 20);
    assert.equal(policies.forPath('/pkg.Else/Call')?.initialBackoffMs, 10);
    assert.equal(policies.forPath('/pkg.NoRetry/Call'), null, 'a matching entry without a retryPolicy');
    assert.deepEqual(policies.forPath('/pkg.Echo/Call')?.retryableCodes, ['UNAVAILABLE', 14]);
    assert.equal(policies.forPath('/pkg.Echo/Call')?.maxBackoffMs, 1000);
  });

  it('yields nothing from a config grpc-js would reject or that has no methods', () => {
    assert.equal(MethodRetryPolicies.fromServiceConfig('{not json').forPath('/a/b'), null);
    assert.equal(MethodRetryPolicies.fromServiceConfig({}).forPath('/a/b'), null);
    const bad = {
      methodConfig: [{ name: [{}], retryPolicy: { ...retryPolicy(10), initialBackoff: '10ms' } }],
    };
    assert.equal(MethodRetryPolicies.fromServiceConfig(bad).forPath('/a/b'), null);
  });
});
