import '../scenarios/alt-resolver.js';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RETRY_POLICY_DEFAULTS } from '../../lib/config/defaults.js';
import { formatDuration } from '../../lib/config/fields.js';
import type { LocalCluster } from '../../lib/testing/cluster.js';
import {
  load,
  logsSince,
  POLL_MS,
  sideBySide,
  sleep,
  stockClient,
  summary,
  thickClient,
  useBed,
  waitFor,
} from '../scenarios/bed.js';
import { ROLLING_DEADLINE_MS, ROLLING_RATE } from '../scenarios/rolling.js';

const RUN_MS = 3000;

/** Calls in flight on a pod at 70 calls/s when it is SIGKILLed, with their answer begun: rarely one. */
const MAX_COMMITTED_AT_A_CRASH = 2;

/** The helper's default retryPolicy, written out for a stock grpc-js client. */
const DEFAULT_RETRY_METHOD_CONFIG = [
  {
    name: [{}],
    retryPolicy: {
      maxAttempts: RETRY_POLICY_DEFAULTS.maxAttempts,
      initialBackoff: formatDuration(RETRY_POLICY_DEFAULTS.initialBackoffMs),
      maxBackoff: formatDuration(RETRY_POLICY_DEFAULTS.maxBackoffMs),
      backoffMultiplier: RETRY_POLICY_DEFAULTS.backoffMultiplier,
      retryableStatusCodes: [...RETRY_POLICY_DEFAULTS.retryableStatusCodes],
    },
  },
];

/**
 * Stock grpc-js (dns: + round_robin) under the same load for the same time, after the SDK's run:
 * its failed calls and the retries the pods saw from it.
 */
async function stockRun(cluster: LocalCluster, methodConfig?: object[]) {
  const client = stockClient(cluster, methodConfig);
  try {
    await client.call(5000).catch(() => {});
    const before = await Promise.all(cluster.activePods.map((p) => cluster.stats(p)));
    const generator = load(client, ROLLING_RATE, ROLLING_DEADLINE_MS);
    await sleep(RUN_MS);
    const results = await generator.stop();
    const after = await Promise.all(cluster.activePods.map((p) => cluster.stats(p)));
    const retries = after.reduce((n, s, i) => n + s.retries - before[i]!.retries, 0);
    return { results, retries };
  } finally {
    client.close();
  }
}

describe('retries on the local cluster bed (200 calls/s, 1 s deadlines)', () => {
  const bed = useBed({ replicas: 5, terminationGracePeriodMs: 3000 });

  it('scale 5 → 2 without preStop, then a pod SIGKILLed while in DNS: zero failed calls, the dead pod ejected', async () => {
    const cluster = bed();
    let ejected = false;
    const { thick: t, stock: s } = await sideBySide(cluster, ROLLING_RATE, ROLLING_DEADLINE_MS, async () => {
      await sleep(1000);
      await cluster.scale(2, { preStopMs: 0 });
      await sleep(POLL_MS * 2);
      await cluster.scale(3);
      await sleep(1000);
      const victim = cluster.activePods[0]!;
      const since = Date.now();
      await cluster.crash(victim);
      // Refused reconnects count as failures; grpc-js backs them off (1 s, ×1.6), so the fifth comes in ~10 s.
      const pattern = new RegExp(`ejected ${victim.address.replace(/[.]/g, '\\.')}`);
      ejected = await waitFor(() => logsSince(since, pattern).length > 0, 15_000);
    });
    console.log(
      `scale 5→2 and a SIGKILL: failed calls ${t.failures} with grpc-thick-client, ${s.failures} with stock grpc-js`,
    );
    // A call the killed pod had begun answering (its headers sent, not its status) is committed:
    // no client may retry it (gRFC A6), so at most the one or two then in flight there may fail.
    assert.equal(t.failures - t.committedFailures, 0, summary(t));
    assert.ok(t.committedFailures <= MAX_COMMITTED_AT_A_CRASH, summary(t));
    assert.ok(ejected, 'the dead pod is ejected');
  });

  it('one pod returning UNAVAILABLE for ever: zero failed calls, every retry on another pod (the pods’ own counters)', async () => {
    const cluster = bed();
    await cluster.scale(3);
    // Defaults: the bad pod is ejected and comes back for one trial call now and then.
    const client = thickClient(cluster, { ejection: { baseEjectionMs: 500 } });
    try {
      await client.call(5000);
      await sleep(300); // every pod connected: a retry can only avoid pods that are there
      const [bad, ...good] = cluster.activePods;
      const before = await Promise.all([bad!, ...good].map((p) => cluster.stats(p)));
      await cluster.setMode(bad!, { kind: 'failing' });
      const generator = load(client, ROLLING_RATE, ROLLING_DEADLINE_MS);
      await sleep(RUN_MS);
      const results = await generator.stop();
      const after = await Promise.all([bad!, ...good].map((p) => cluster.stats(p)));
      const stock = await stockRun(cluster);
      const stockRetrying = await stockRun(cluster, DEFAULT_RETRY_METHOD_CONFIG);
      console.log(
        `one pod UNAVAILABLE: failed calls ${results.failures} with grpc-thick-client, ` +
          `${stock.results.failures} with stock grpc-js, ${stockRetrying.results.failures} with stock grpc-js and the same retryPolicy`,
      );
      assert.equal(results.failures, 0, summary(results));
      const retriesAt = (i: number) => after[i]!.retries - before[i]!.retries;
      const failedAtBad = (after[0]!.byOutcome.UNAVAILABLE ?? 0) - (before[0]!.byOutcome.UNAVAILABLE ?? 0);
      assert.ok(failedAtBad >= 5, `the bad pod failed first attempts: ${failedAtBad}`);
      assert.equal(retriesAt(0), 0, 'no retry went to the failing pod');
      const retried = good.reduce((n, _p, i) => n + retriesAt(i + 1), 0);
      assert.equal(retried, failedAtBad, 'each failed attempt was retried once, on another pod');
    } finally {
      client.close();
    }
  });

  it('all pods returning UNAVAILABLE: retries stay within the budget (20 % + 10/s), calls fail with the servers’ error', async () => {
    const cluster = bed();
    await cluster.scale(3);
    const client = thickClient(cluster, { ejection: { consecutiveFailures: 0, failurePercentage: null } });
    try {
      await client.call(5000);
      const before = await Promise.all(cluster.activePods.map((p) => cluster.stats(p)));
      await Promise.all(cluster.activePods.map((p) => cluster.setMode(p, { kind: 'failing' })));
      const generator = load(client, ROLLING_RATE, ROLLING_DEADLINE_MS);
      await sleep(RUN_MS);
      const results = await generator.stop();
      const after = await Promise.all(cluster.activePods.map((p) => cluster.stats(p)));
      const stock = await stockRun(cluster, DEFAULT_RETRY_METHOD_CONFIG);
      const attempts = after.reduce((n, s, i) => n + s.total - before[i]!.total, 0);
      const retries = after.reduce((n, s, i) => n + s.retries - before[i]!.retries, 0);
      const calls = results.total;
      // The window is longer than the run, so the whole run is in it: 20 % of calls + 10/s × 10 s.
      const allowance = calls * 0.2 + 10 * 10;
      console.log(
        `all pods failing: ${calls} calls, ${retries} retries at the servers with grpc-thick-client (budget ${allowance.toFixed(0)}); ` +
          `stock grpc-js with the same retryPolicy: ${stock.results.total} calls, ${stock.retries} retries`,
      );
      assert.ok(
        stock.retries > stock.results.total,
        'stock grpc-js retries every failed call (the storm the budget stops)',
      );
      assert.ok(retries <= allowance + 1, `${retries} retries for ${calls} calls`);
      assert.equal(attempts, calls + retries);
      assert.equal(results.failures, calls);
      assert.ok(
        Object.keys(results.failuresByCode).every((code) => code === 'UNAVAILABLE'),
        summary(results),
      );
    } finally {
      client.close();
      await Promise.all(cluster.activePods.map((p) => cluster.setMode(p, { kind: 'ok' })));
    }
  });
});
