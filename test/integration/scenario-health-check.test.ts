import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeEchoClient } from '../../lib/testing/echo-client.js';
import {
  load,
  logs,
  logsSince,
  POLL_MS,
  rawOptions,
  SHORT_DEADLINE_MS,
  sleep,
  summary,
  useBed,
  waitFor,
} from '../scenarios/bed.js';

/** Calls already picked when the change arrived: a few ms on loopback, generously. */
const PROPAGATION_MS = 50;

describe('active health checking on the local cluster bed', () => {
  const bed = useBed({ replicas: 3 });

  it('a pod toggled NOT_SERVING → SERVING: zero failed calls, none to it while NOT_SERVING', async () => {
    const cluster = bed();
    const client = makeEchoClient(cluster.target(), rawOptions({ health_check: { service_name: '' } }));
    try {
      await client.call(5000);
      const generator = load(client, 100, SHORT_DEADLINE_MS);
      await sleep(1000);
      const victim = cluster.activePods[0]!;
      const down = Date.now();
      await cluster.setHealth(victim, false);
      await sleep(1500);
      const up = Date.now();
      await cluster.setHealth(victim, true);
      assert.ok(await waitFor(() => logsSince(up, /health check: SERVING/).length > 0, 2000), 'SERVING seen');
      await sleep(1000);
      const results = await generator.stop();
      assert.equal(results.failures, 0, summary(results));
      // From the moment this client learned of it (its log line) until it was told SERVING again.
      const learned =
        logs.find((l) => l.at >= down && /health check: NOT_SERVING/.test(l.message))?.at ?? down;
      const whileDown = results.records.filter(
        (c) => c.pod === victim.name && c.scheduledAt > learned + PROPAGATION_MS && c.scheduledAt < up,
      );
      assert.equal(whileDown.length, 0, `${whileDown.length} calls went to ${victim.name} while NOT_SERVING`);
      assert.ok(
        results.records.some((c) => c.pod === victim.name && c.scheduledAt > up + PROPAGATION_MS),
        'it is back once SERVING',
      );
      assert.ok(logsSince(down, /health check: NOT_SERVING/).length > 0);
    } finally {
      client.close();
    }
  });

  it('a pod removed from DNS is drained even though its health check still passes (Envoy issue 35634)', async () => {
    const cluster = bed();
    const client = makeEchoClient(cluster.target(), rawOptions({ health_check: {} }));
    try {
      await client.call(5000);
      const generator = load(client, 100, SHORT_DEADLINE_MS);
      await sleep(1000);
      const leaving = cluster.activePods[0]!;
      await cluster.deletePod(leaving, { preStopMs: 3000 });
      const removed = Date.now();
      await sleep(3500);
      const results = await generator.stop();
      assert.equal(results.failures, 0, summary(results));
      const last = results.perPod[leaving.name]?.lastAt ?? 0;
      assert.ok(
        last - removed <= POLL_MS * 1.1 + 250,
        `${leaving.name} served until ${last - removed} ms after leaving DNS`,
      );
    } finally {
      client.close();
    }
  });

  it('holds one health watch per connection, through reconnects (server max_connection_age)', async () => {
    const cluster = bed();
    const pod = await cluster.addPod({
      serverOptions: { 'grpc.max_connection_age_ms': 300, 'grpc.max_connection_age_grace_ms': 100 },
    });
    const client = makeEchoClient(`dns-poll:///${pod.address}`, rawOptions({ health_check: {} }));
    try {
      await client.call(5000);
      const generator = load(client, 50, SHORT_DEADLINE_MS);
      await sleep(3000);
      await generator.stop();
      const { healthWatches } = await cluster.stats(pod);
      console.log(`health watches with max_connection_age 300 ms over 3 s: ${JSON.stringify(healthWatches)}`);
      assert.ok(healthWatches.open <= 1, `open at once: ${healthWatches.open}`);
      // About one reconnect per 300-400 ms in 3 s; one watch each, not one more per reconnect.
      assert.ok(healthWatches.opened <= 15, `opened: ${healthWatches.opened}`);
    } finally {
      client.close();
    }
  });
});
