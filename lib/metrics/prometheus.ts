import { statusName } from '../config/status-codes.js';
import type { Histogram } from './histogram.js';
import { allStats, statsSettings, type TargetStats } from './stats.js';

/** The metric prefix (Prometheus naming: a namespace, then the subsystem). */
export const METRIC_PREFIX = 'grpc_thick_client_';

type Labels = Record<string, string | number>;
interface Sample {
  readonly value: number;
  readonly labels: Labels;
  readonly metricName?: string;
}

/** What prom-client's Registry.registerMetric() takes (it calls get() at every scrape). */
export interface ThickMetric {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  get(): Promise<{ name: string; help: string; type: string; values: Sample[]; aggregator: 'sum' }>;
  reset(): void;
}

/** Any registry with prom-client's `registerMetric`; prom-client itself is never imported. */
export interface MetricsRegistry {
  registerMetric(metric: never): void;
}

export interface ThickMetricsOptions {
  /**
   * Also label call counts and latency with the endpoint ("ip:port"). Off by default: every pod
   * ever seen becomes a series (Prometheus cardinality). Series of an endpoint end when it leaves.
   */
  endpointLabels?: boolean;
}

type Collect = (stats: TargetStats, add: (value: number, labels?: Labels) => void) => void;

function metric(name: string, help: string, type: 'counter' | 'gauge', collect: Collect): ThickMetric {
  const full = METRIC_PREFIX + name;
  return {
    name: full,
    help,
    type,
    async get() {
      const values: Sample[] = [];
      for (const stats of allStats()) {
        collect(stats, (value, labels = {}) =>
          values.push({ value, labels: { target: stats.target, ...labels } }),
        );
      }
      return { name: full, help, type, values, aggregator: 'sum' };
    },
    reset() {
      // Counters live in the SDK, not in the registry: a registry reset does not rewind them.
    },
  };
}

function histogramSamples(name: string, histogram: Histogram, labels: Labels): Sample[] {
  const cumulative = histogram.cumulative();
  const out: Sample[] = histogram.bounds.map((le, i) => ({
    metricName: `${name}_bucket`,
    value: cumulative[i]!,
    labels: { ...labels, le },
  }));
  out.push({
    metricName: `${name}_bucket`,
    value: cumulative[cumulative.length - 1]!,
    labels: { ...labels, le: '+Inf' },
  });
  out.push({ metricName: `${name}_sum`, value: histogram.sum, labels });
  out.push({ metricName: `${name}_count`, value: histogram.count, labels });
  return out;
}

const ENDPOINT_STATES = ['ready', 'connecting', 'idle', 'failed'] as const;

function metrics(): ThickMetric[] {
  const count = (
    stats: TargetStats,
    test: (e: ReturnType<TargetStats['views']>[number]['endpoints'][number]) => boolean,
  ) => stats.views().reduce((n, view) => n + view.endpoints.filter(test).length, 0);
  const latencyName = `${METRIC_PREFIX}call_duration_seconds`;
  const latencyHelp = 'Duration of call attempts, from the pick to the end, in seconds.';
  return [
    metric(
      'endpoints',
      'Endpoints by connection state (each endpoint in exactly one).',
      'gauge',
      (s, add) => {
        for (const state of ENDPOINT_STATES)
          add(
            count(s, (e) => e.state === state),
            { state },
          );
      },
    ),
    metric(
      'endpoints_ejected',
      'Endpoints ejected by outlier detection now (Envoy ejections_active).',
      'gauge',
      (s, add) => add(count(s, (e) => e.ejected)),
    ),
    metric('endpoints_unhealthy', 'Endpoints whose health check answers NOT_SERVING.', 'gauge', (s, add) =>
      add(count(s, (e) => e.health === 'not_serving')),
    ),
    metric(
      'endpoints_draining',
      'Endpoints that left DNS and finish their calls in flight.',
      'gauge',
      (s, add) => add(count(s, (e) => e.draining)),
    ),
    metric(
      'panic',
      '1 while panic mode spreads calls over every endpoint (too few usable).',
      'gauge',
      (s, add) => add(s.views().some((v) => v.panic) ? 1 : 0),
    ),
    metric(
      'dns_resolutions_total',
      'DNS queries by result: answer, empty (NXDOMAIN), failure.',
      'counter',
      (s, add) => {
        add(s.dns.answers, { result: 'answer' });
        add(s.dns.empty, { result: 'empty' });
        add(s.dns.failures, { result: 'failure' });
      },
    ),
    metric(
      'dns_last_good_answer_age_seconds',
      'Seconds since the last usable DNS answer (absent before the first).',
      'gauge',
      (s, add) => {
        if (s.lastGoodAnswerAt !== null) add((Date.now() - s.lastGoodAnswerAt) / 1000);
      },
    ),
    metric(
      'membership_changes_total',
      'Endpoints added to or removed from DNS (Envoy membership_change).',
      'counter',
      (s, add) => {
        add(s.membership.added, { change: 'added' });
        add(s.membership.removed, { change: 'removed' });
      },
    ),
    metric(
      'calls_total',
      'Call attempts ended, by gRPC status code (failures: code != OK).',
      'counter',
      (s, add) => {
        for (const [code, n] of s.calls) add(n, { code: statusName(code) });
        for (const [endpoint, byCode] of s.callsByEndpoint) {
          for (const [code, n] of byCode) add(n, { code: statusName(code), endpoint });
        }
      },
    ),
    metric('ejections_total', 'Ejections by reason (Envoy ejections_enforced_*).', 'counter', (s, add) => {
      for (const [reason, n] of s.ejections) add(n, { reason });
    }),
    metric(
      'retries_total',
      'Retry attempts sent (each to an endpoint the call had not tried, when one was left).',
      'counter',
      (s, add) => add(s.retries),
    ),
    metric(
      'retries_refused_total',
      'Retries not sent because the retry budget was spent (Envoy retry_overflow).',
      'counter',
      (s, add) => add(s.retriesRefused, { reason: 'budget' }),
    ),
    {
      name: latencyName,
      help: latencyHelp,
      type: 'histogram',
      async get() {
        const values: Sample[] = [];
        for (const s of allStats()) {
          values.push(...histogramSamples(latencyName, s.latency, { target: s.target }));
          for (const [endpoint, h] of s.latencyByEndpoint) {
            values.push(...histogramSamples(latencyName, h, { target: s.target, endpoint }));
          }
        }
        return { name: latencyName, help: latencyHelp, type: 'histogram', values, aggregator: 'sum' };
      },
      reset() {},
    },
  ];
}

/**
 * Registers the SDK's metrics on a prom-client registry (`new Registry()` or the default
 * `register`); values are read at scrape time, so calls pay only for counting. prom-client is an
 * optional peer dependency: without this call nothing of it is needed. Returns the metrics, for
 * `registry.removeSingleMetric(name)`.
 */
export function registerThickMetrics(
  registry: MetricsRegistry,
  options: ThickMetricsOptions = {},
): ThickMetric[] {
  statsSettings.perEndpoint = options.endpointLabels === true;
  const all = metrics();
  const register = registry.registerMetric.bind(registry) as (m: ThickMetric) => void;
  for (const m of all) register(m);
  return all;
}
