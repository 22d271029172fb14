// A retry whose back-off the deadline would overtake: grpc-js never sends it, and the helper's
// call transformer ends the call at once with the servers' error instead of DEADLINE_EXCEEDED.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { register, thickCallTransformer, thickChannelOptions } from '../../lib/index.js';
import { EchoBed } from '../helpers/echo-bed.js';
import { echoClient } from '../helpers/echo-servers.js';

const bed = new EchoBed();
const HOSTS = [1, 2];
const addr = (n: number) => bed.addr(n);
const NAME = 'deadline';
const DEADLINE_MS = 400;
/** Far longer than the deadline: the first retry can never be sent in time. */
const LONG_BACKOFF_MS = 5000;

const servers = bed.servers;
const target = () => bed.target(NAME);
const NO_EJECTION = { ejection: { consecutiveFailures: 0, failurePercentage: null } } as const;

before(async () => {
  register({ grpc, logger: { warn: () => {}, info: () => {}, debug: () => {} } });
  await bed.start(HOSTS);
  for (const n of HOSTS) servers.behaviour.set(addr(n), { kind: 'fail', code: grpc.status.UNAVAILABLE });
  await bed.publish(NAME, HOSTS);
});

after(() => bed.stop());

function totalCalls(): number {
  return HOSTS.reduce((sum, n) => sum + (servers.calls.get(addr(n)) ?? 0), 0);
}

/** Runs `n` calls one after another; returns their errors and the wall time of each. */
async function failures(options: grpc.ChannelOptions, n: number) {
  const client = echoClient(target(), options);
  const out: { code: number; details: string; ms: number }[] = [];
  for (let i = 0; i < n; i++) {
    const started = Date.now();
    try {
      await client.call(DEADLINE_MS);
      out.push({ code: grpc.status.OK, details: '', ms: Date.now() - started });
    } catch (error) {
      const e = error as grpc.ServiceError;
      out.push({ code: e.code, details: e.details, ms: Date.now() - started });
    }
  }
  client.close();
  return out;
}

describe('retries and the deadline', () => {
  it('with the helper: a retry that cannot fit is not attempted, and the call fails at once with the servers’ error', async () => {
    const before = totalCalls();
    const options = thickChannelOptions({
      roundRobin: NO_EJECTION,
      retry: { initialBackoffMs: LONG_BACKOFF_MS, maxBackoffMs: LONG_BACKOFF_MS },
    });
    assert.equal(typeof options.callInvocationTransformer, 'function', 'the helper adds its transformer');
    const results = await failures(options, 5);
    for (const r of results) {
      assert.equal(r.code, grpc.status.UNAVAILABLE, r.details);
      assert.match(r.details, /^failing on purpose at .* \(not retried: \d+ ms left before the deadline/);
      assert.ok(r.ms < DEADLINE_MS, `ended before its deadline (${r.ms} ms)`);
    }
    assert.equal(totalCalls() - before, 5, 'one attempt per call reached a server');
    assert.deepEqual(
      [...servers.metadataKeys].filter((key) => key.includes('thick')),
      [],
      'nothing of the tag reaches a server',
    );
  });

  it('stock behaviour for comparison: the same config as a raw string waits and ends with DEADLINE_EXCEEDED', async () => {
    const before = totalCalls();
    const raw = thickChannelOptions({
      roundRobin: NO_EJECTION,
      retry: { initialBackoffMs: LONG_BACKOFF_MS, maxBackoffMs: LONG_BACKOFF_MS },
    })['grpc.service_config'];
    const results = await failures({ 'grpc.service_config': raw }, 2);
    assert.deepEqual(
      results.map((r) => r.code),
      [grpc.status.DEADLINE_EXCEEDED, grpc.status.DEADLINE_EXCEEDED],
    );
    assert.equal(totalCalls() - before, 2, 'grpc-js never sent the retry either');
    // The raw string plus the exported transformer behaves as the helper does.
    const fixed = await failures(
      { 'grpc.service_config': raw, callInvocationTransformer: thickCallTransformer(raw) },
      1,
    );
    assert.equal(fixed[0]?.code, grpc.status.UNAVAILABLE, fixed[0]?.details);
  });

  it('retries that fit are left to grpc-js: every attempt is made, on another endpoint', async () => {
    const before = totalCalls();
    const beforeRetries = HOSTS.reduce((sum, n) => sum + (servers.retries.get(addr(n)) ?? 0), 0);
    const options = thickChannelOptions({
      roundRobin: NO_EJECTION,
      retry: { maxAttempts: 3, initialBackoffMs: 10, maxBackoffMs: 20 },
    });
    const results = await failures(options, 3);
    for (const r of results) {
      assert.equal(r.code, grpc.status.UNAVAILABLE);
      assert.doesNotMatch(r.details, /not retried/);
    }
    assert.equal(totalCalls() - before, 9, '3 attempts per call');
    const retries = HOSTS.reduce((sum, n) => sum + (servers.retries.get(addr(n)) ?? 0), 0);
    assert.equal(retries - beforeRetries, 6);
  });

  it('leaves calls without a deadline alone', async () => {
    const options = thickChannelOptions({ roundRobin: NO_EJECTION, retry: { initialBackoffMs: 10 } });
    const client = echoClient(target(), options);
    const echo = (client.client as unknown as Record<string, (...args: unknown[]) => void>).Echo!;
    const error = await new Promise<grpc.ServiceError>((resolve) =>
      echo.call(client.client, { message: 'hi' }, {}, (e: grpc.ServiceError) => resolve(e)),
    );
    client.close();
    assert.equal(error.code, grpc.status.UNAVAILABLE);
    assert.doesNotMatch(error.details, /not retried/);
  });

  it('leaves a committed call (headers received) with its own status and trailers', async () => {
    for (const n of HOSTS) {
      servers.behaviour.set(addr(n), { kind: 'fail-after-headers', code: grpc.status.UNAVAILABLE });
    }
    try {
      const options = thickChannelOptions({
        roundRobin: NO_EJECTION,
        retry: { initialBackoffMs: LONG_BACKOFF_MS, maxBackoffMs: LONG_BACKOFF_MS },
      });
      const client = echoClient(target(), options);
      const error = await client.call(DEADLINE_MS).then(
        () => assert.fail('the servers fail every call'),
        (e: grpc.ServiceError) => e,
      );
      client.close();
      assert.equal(error.code, grpc.status.UNAVAILABLE);
      assert.match(error.details, /^failing after headers at /);
      assert.equal(error.metadata.get('x-failed-at').length, 1, 'the trailers reach the application');
    } finally {
      for (const n of HOSTS) servers.behaviour.set(addr(n), { kind: 'fail', code: grpc.status.UNAVAILABLE });
    }
  });
});
