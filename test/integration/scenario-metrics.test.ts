import '../scenarios/alt-resolver.js';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { type ThickEventMap, thickEvents } from '../../lib/index.js';
import { METRIC_PREFIX, registerThickMetrics } from '../../lib/metrics/prometheus.js';
import { load, POLL_MS, sleep, summary, thickClient, useBed, waitFor } from '../scenarios/bed.js';

/** Sums the samples of `name` whose labels include `labels`. */
async function scrape(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  type Value = { value: number; labels: Record<string, string | number>; metricName?: string };
  const full = METRIC_PREFIX + name;
  const values = (await registry.getMetricsAsJSON()).flatMap((m) =>
    (m.values as Value[]).filter((v) => (v.metricName ?? m.name) === full),
  );
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want))
    .reduce((sum, v) => sum + v.value, 0);
}

describe('metrics and events on the local cluster bed', () => {
  const bed = useBed({ replicas: 3 });

  it('scale-up, a failing pod ejected, a DNS outage: counters, gauges and events move as they should', async () => {
    const cluster = bed();
    const registry = new Registry();
    registerThickMetrics(registry);
    const events: { [K in keyof ThickEventMap]?: ThickEventMap[K][] } = {
      endpoint_added: [],
      endpoint_ejected: [],
      dns_failure: [],
      dns_recovered: [],
    };
    const offs = [
      thickEvents.on('endpoint_added', (e) => events.endpoint_added?.push(e)),
      thickEvents.on('endpoint_ejected', (e) => events.endpoint_ejected?.push(e)),
      thickEvents.on('dns_failure', (e) => events.dns_failure?.push(e)),
      thickEvents.on('dns_recovered', (e) => events.dns_recovered?.push(e)),
    ];
    const client = thickClient(cluster, { ejection: { baseEjectionMs: 60_000 } });
    const target = cluster.target('dns-poll');
    const t = { target };
    try {
      await client.call(5000);
      const generator = load(client, 100, 1000);
      await waitFor(async () => (await scrape(registry, 'endpoints', { ...t, state: 'ready' })) === 3, 5000);
      assert.equal(await scrape(registry, 'membership_changes_total', { ...t, change: 'added' }), 3);
      assert.ok((await scrape(registry, 'dns_resolutions_total', { ...t, result: 'answer' })) >= 1);

      // Scale-up: one more endpoint added, ready, and announced.
      const pod = await cluster.addPod();
      assert.ok(
        await waitFor(
          async () => (await scrape(registry, 'endpoints', { ...t, state: 'ready' })) === 4,
          POLL_MS * 3,
        ),
        'the new pod shows as ready',
      );
      assert.equal(await scrape(registry, 'membership_changes_total', { ...t, change: 'added' }), 4);
      assert.ok(events.endpoint_added?.some((e) => e.target === target && e.endpoint === pod.address));

      // A pod failing every call: ejected, counted, announced.
      const bad = cluster.activePods[0]!;
      await cluster.setMode(bad, { kind: 'failing' });
      assert.ok(
        await waitFor(async () => (await scrape(registry, 'endpoints_ejected', t)) === 1, 5000),
        'one endpoint ejected',
      );
      assert.ok((await scrape(registry, 'ejections_total', t)) >= 1);
      assert.ok((await scrape(registry, 'calls_total', { ...t, code: 'UNAVAILABLE' })) >= 5);
      assert.ok((await scrape(registry, 'retries_total', t)) >= 1, 'the failed calls were retried');
      assert.ok(events.endpoint_ejected?.some((e) => e.endpoint === bad.address));
      await cluster.setMode(bad, { kind: 'ok' });

      // DNS down: failures counted, the last good answer ages, one failure event, then recovery.
      const failuresBefore = await scrape(registry, 'dns_resolutions_total', { ...t, result: 'failure' });
      await cluster.dnsFault('down');
      await sleep(POLL_MS * 3);
      const age = await scrape(registry, 'dns_last_good_answer_age_seconds', t);
      assert.ok(age >= POLL_MS / 1000, `the last good answer is ${age}s old`);
      assert.ok(
        (await scrape(registry, 'dns_resolutions_total', { ...t, result: 'failure' })) > failuresBefore,
      );
      await cluster.dnsFault('none');
      assert.ok(
        await waitFor(() => (events.dns_recovered?.length ?? 0) > 0, POLL_MS * 3),
        'recovery announced',
      );
      assert.equal(
        events.dns_failure?.filter((e) => e.target === target).length,
        1,
        'one failure event per outage',
      );
      const results = await generator.stop();
      const attempts = await scrape(registry, 'call_duration_seconds_count', t);
      assert.ok(attempts >= results.total, `${attempts} attempts for ${results.total} calls`);
      assert.equal(await scrape(registry, 'endpoints', { ...t, state: 'ready' }), 4, summary(results));
    } finally {
      for (const off of offs) off();
      client.close();
    }
    // Closed channels leave no series behind.
    await sleep(100);
    assert.equal(await scrape(registry, 'endpoints', t), 0);
  });
});
