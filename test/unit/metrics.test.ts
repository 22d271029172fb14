import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { type ThickEventMap, thickEvents } from '../../lib/metrics/events.js';
import { Histogram } from '../../lib/metrics/histogram.js';
import { METRIC_PREFIX, registerThickMetrics } from '../../lib/metrics/prometheus.js';
import { acquireStats, allStats, releaseStats, statsSettings } from '../../lib/metrics/stats.js';

const UNAVAILABLE = 14;

/** The value of one sample line of the exposition text, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${METRIC_PREFIX}${name}{`)) continue;
    const inside = line.slice(line.indexOf('{') + 1, line.indexOf('}')).split(',');
    if (wanted.every((w) => inside.includes(w)) && inside.length === wanted.length) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return undefined;
}

describe('metrics', () => {
  it('histogram buckets are cumulative, with +Inf, sum and count', () => {
    const h = new Histogram([0.01, 0.1]);
    for (const v of [0.005, 0.05, 0.05, 5]) h.observe(v);
    assert.deepEqual(h.cumulative(), [1, 3, 4]);
    assert.equal(h.count, 4);
    assert.ok(Math.abs(h.sum - 5.105) < 1e-9);
  });

  it('shares one stats object per target and drops it with its last holder', () => {
    const a = acquireStats('dns-poll:///shared:1');
    const b = acquireStats('dns-poll:///shared:1');
    assert.equal(a, b);
    releaseStats('dns-poll:///shared:1');
    assert.ok(allStats().includes(a));
    releaseStats('dns-poll:///shared:1');
    assert.ok(!allStats().includes(a));
  });

  it('a prom-client registry scrapes the counters and gauges, per target, endpoint labels on request', async () => {
    const registry = new Registry();
    registerThickMetrics(registry, { endpointLabels: true });
    const target = 'dns-poll:///unit.default.svc:50051';
    const stats = acquireStats(target);
    try {
      stats.dns.answers += 3;
      stats.dns.failures += 1;
      stats.lastGoodAnswerAt = Date.now() - 2000;
      stats.membership.added += 2;
      stats.callEnded('10.0.0.1:50051', 0, 0.002);
      stats.callEnded('10.0.0.1:50051', UNAVAILABLE, 0.2);
      stats.ejected('consecutive_failures');
      stats.retries += 4;
      stats.retriesRefused += 1;
      stats.addBalancer(() => ({
        policy: 'thick_p2c',
        panic: false,
        endpoints: [
          { endpoint: '10.0.0.1:50051', state: 'ready', ejected: true, health: 'unknown', draining: false },
          {
            endpoint: '10.0.0.2:50051',
            state: 'connecting',
            ejected: false,
            health: 'not_serving',
            draining: true,
          },
        ],
      }));
      const text = await registry.metrics();
      const t = { target };
      assert.equal(sample(text, 'dns_resolutions_total', { ...t, result: 'answer' }), 3);
      assert.equal(sample(text, 'dns_resolutions_total', { ...t, result: 'failure' }), 1);
      const age = sample(text, 'dns_last_good_answer_age_seconds', t)!;
      assert.ok(age >= 2 && age < 10, `age ${age}`);
      assert.equal(sample(text, 'membership_changes_total', { ...t, change: 'added' }), 2);
      assert.equal(sample(text, 'calls_total', { ...t, code: 'OK' }), 1);
      assert.equal(sample(text, 'calls_total', { ...t, code: 'UNAVAILABLE' }), 1);
      assert.equal(sample(text, 'calls_total', { ...t, code: 'UNAVAILABLE', endpoint: '10.0.0.1:50051' }), 1);
      assert.equal(sample(text, 'ejections_total', { ...t, reason: 'consecutive_failures' }), 1);
      assert.equal(sample(text, 'retries_total', t), 4);
      assert.equal(sample(text, 'retries_refused_total', { ...t, reason: 'budget' }), 1);
      assert.equal(sample(text, 'endpoints', { ...t, state: 'ready' }), 1);
      assert.equal(sample(text, 'endpoints', { ...t, state: 'connecting' }), 1);
      assert.equal(sample(text, 'endpoints_ejected', t), 1);
      assert.equal(sample(text, 'endpoints_unhealthy', t), 1);
      assert.equal(sample(text, 'endpoints_draining', t), 1);
      assert.equal(sample(text, 'panic', t), 0);
      assert.equal(sample(text, 'call_duration_seconds_bucket', { ...t, le: '0.0025' }), 1);
      assert.equal(sample(text, 'call_duration_seconds_bucket', { ...t, le: '+Inf' }), 2);
      assert.equal(sample(text, 'call_duration_seconds_count', t), 2);
      assert.match(text, /# TYPE grpc_thick_client_calls_total counter/);
      assert.match(text, /# TYPE grpc_thick_client_call_duration_seconds histogram/);
      // Metric names follow Prometheus conventions: snake_case, counters end in _total.
      for (const m of await registry.getMetricsAsJSON()) {
        assert.match(m.name, /^grpc_thick_client_[a-z_]+$/);
        if (String(m.type) === 'counter') assert.match(m.name, /_total$/);
      }
    } finally {
      releaseStats(target);
      statsSettings.perEndpoint = false;
    }
  });

  it('a scrape builds each policy’s endpoint view once, and the next scrape sees fresh state', async () => {
    const registry = new Registry();
    registerThickMetrics(registry);
    const target = 'dns-poll:///views.default.svc:50051';
    const stats = acquireStats(target);
    let builds = 0;
    let ready = 1;
    stats.addBalancer(() => {
      builds += 1;
      return {
        policy: 'thick_round_robin',
        panic: false,
        endpoints: Array.from({ length: ready }, (_, i) => ({
          endpoint: `10.0.0.${i + 1}:50051`,
          state: 'ready' as const,
          ejected: false,
          health: 'unknown' as const,
          draining: false,
        })),
      };
    });
    try {
      await registry.metrics();
      assert.equal(builds, 1, 'one build for every gauge of the scrape');
      ready = 3;
      await new Promise((resolve) => setImmediate(resolve));
      const text = await registry.metrics();
      assert.equal(builds, 2);
      assert.equal(sample(text, 'endpoints', { target, state: 'ready' }), 3);
    } finally {
      releaseStats(target);
    }
  });

  it('events reach typed listeners; a listener that throws does not break the emitter', () => {
    const seen: string[] = [];
    const off1 = thickEvents.on('endpoint_added', () => {
      throw new Error('listener bug');
    });
    const off2 = thickEvents.on('endpoint_added', (e) => seen.push(e.endpoint));
    thickEvents.emit('endpoint_added', { target: 't', endpoint: '10.0.0.9:1' });
    off1();
    off2();
    thickEvents.emit('endpoint_added', { target: 't', endpoint: 'after' });
    assert.deepEqual(seen, ['10.0.0.9:1']);
  });
});

describe('docs/metrics.md', () => {
  it('lists every metric and every event the SDK has', async () => {
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const text = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'metrics.md'), 'utf8');
    const registry = new Registry();
    for (const m of registerThickMetrics(registry)) {
      assert.ok(
        text.includes(`| \`${m.name}\` | ${m.type} |`),
        `docs/metrics.md has no row for ${m.name} (${m.type})`,
      );
    }
    statsSettings.perEndpoint = false;
    // A Record over the map's keys: a new event type fails to compile until it is listed here.
    const every: Record<keyof ThickEventMap, true> = {
      endpoint_added: true,
      endpoint_removed: true,
      endpoint_ejected: true,
      endpoint_probation: true,
      endpoint_restored: true,
      endpoint_health: true,
      dns_failure: true,
      dns_recovered: true,
      panic: true,
    };
    const events = Object.keys(every);
    for (const name of events)
      assert.ok(text.includes(`| \`${name}\` |`), `docs/metrics.md has no row for ${name}`);
  });
});
