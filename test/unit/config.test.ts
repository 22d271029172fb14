import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RESOLVER_DEFAULTS, ROUND_ROBIN_DEFAULTS } from '../../lib/config/defaults.js';
import { ThickConfigError } from '../../lib/config/errors.js';
import { checkDuration, formatDuration } from '../../lib/config/fields.js';
import { DEFAULT_ROUND_ROBIN_SETTINGS, parseRoundRobinConfig } from '../../lib/config/policy.js';
import { parseResolverOptions } from '../../lib/discovery/options.js';

function throwsNaming(fn: () => unknown, field: string, message: RegExp): void {
  assert.throws(
    fn,
    (e: unknown) => e instanceof ThickConfigError && e.message.includes(field) && message.test(e.message),
  );
}

describe('resolver channel options', () => {
  it('uses the defaults when nothing is set, frozen', () => {
    const o = parseResolverOptions({ 'grpc.keepalive_time_ms': 1000 });
    for (const [field, value] of Object.entries(o)) {
      assert.equal(value, RESOLVER_DEFAULTS[field as keyof typeof RESOLVER_DEFAULTS], field);
    }
    assert.equal(o.pollIntervalMs, 5000);
    assert.ok(Object.isFrozen(o));
  });

  it('reads every option', () => {
    const o = parseResolverOptions({
      'grpc-thick.poll_interval_ms': 2000,
      'grpc-thick.poll_jitter': 0,
      'grpc-thick.respect_ttl': 1,
      'grpc-thick.min_resolution_interval_ms': 500,
      'grpc-thick.max_staleness_ms': 60000,
      'grpc-thick.address_family': 'ipv6',
      'grpc-thick.dns_timeout_ms': 300,
      'grpc-thick.dns_tries': 3,
      'grpc-thick.resolv_conf': '/tmp/resolv.conf',
    });
    assert.equal(o.pollIntervalMs, 2000);
    assert.equal(o.pollJitter, 0);
    assert.equal(o.respectTtl, true);
    assert.equal(o.minResolutionIntervalMs, 500);
    assert.equal(o.maxStalenessMs, 60000);
    assert.equal(o.addressFamily, 'ipv6');
    assert.equal(o.dnsTimeoutMs, 300);
    assert.equal(o.dnsTries, 3);
    assert.equal(o.resolvConfPath, '/tmp/resolv.conf');
  });

  const bad: [Record<string, unknown>, string, RegExp][] = [
    [
      { 'grpc-thick.poll_interval_ms': '5s' },
      'grpc-thick.poll_interval_ms',
      /integer between 100 and 86400000 \(ms\), got "5s"/,
    ],
    [{ 'grpc-thick.poll_interval_ms': 50 }, 'grpc-thick.poll_interval_ms', /got 50/],
    [{ 'grpc-thick.poll_interval_ms': 1.5e3 + 0.5 }, 'grpc-thick.poll_interval_ms', /integer/],
    [{ 'grpc-thick.poll_jitter': 0.9 }, 'grpc-thick.poll_jitter', /between 0 and 0.5/],
    [{ 'grpc-thick.respect_ttl': 'yes' }, 'grpc-thick.respect_ttl', /true\/false/],
    [{ 'grpc-thick.address_family': 'v4' }, 'grpc-thick.address_family', /"any", "ipv4", "ipv6"/],
    [{ 'grpc-thick.dns_tries': 0 }, 'grpc-thick.dns_tries', /between 1 and 10/],
    [{ 'grpc-thick.resolv_conf': '' }, 'grpc-thick.resolv_conf', /non-empty string/],
    [{ 'grpc-thick.max_staleness_ms': -1 }, 'grpc-thick.max_staleness_ms', />= 0/],
    [{ 'grpc-thick.poll_intervall_ms': 1000 }, 'grpc-thick.poll_intervall_ms', /unknown channel option/],
    [
      { 'grpc-thick.poll_interval_ms': 1000, 'grpc-thick.min_resolution_interval_ms': 2000 },
      'grpc-thick.min_resolution_interval_ms',
      /must not exceed/,
    ],
    [
      { 'grpc-thick.max_staleness_ms': 1000 },
      'grpc-thick.max_staleness_ms',
      /at least grpc-thick.poll_interval_ms/,
    ],
  ];
  for (const [options, field, message] of bad) {
    it(`names ${field} in the error for ${JSON.stringify(options)}`, () => {
      throwsNaming(() => parseResolverOptions(options), field, message);
    });
  }
});

describe('thick_round_robin config', () => {
  it('defaults with {} or no config', () => {
    assert.deepEqual(parseRoundRobinConfig({}), DEFAULT_ROUND_ROBIN_SETTINGS);
    assert.deepEqual(parseRoundRobinConfig(undefined), DEFAULT_ROUND_ROBIN_SETTINGS);
    assert.equal(DEFAULT_ROUND_ROBIN_SETTINGS.drainTimeoutMs, ROUND_ROBIN_DEFAULTS.drainTimeoutMs);
  });

  it('reads drain_timeout in both duration forms', () => {
    assert.equal(parseRoundRobinConfig({ drain_timeout: '2.5s' }).drainTimeoutMs, 2500);
    assert.equal(
      parseRoundRobinConfig({ drain_timeout: { seconds: 3, nanos: 500_000_000 } }).drainTimeoutMs,
      3500,
    );
  });

  it('rejects a bad drain_timeout naming the field', () => {
    throwsNaming(
      () => parseRoundRobinConfig({ drain_timeout: 30 }),
      'thick_round_robin.drain_timeout',
      /duration such as "30s"/,
    );
    throwsNaming(
      () => parseRoundRobinConfig({ drain_timeout: '1m' }),
      'thick_round_robin.drain_timeout',
      /got "1m"/,
    );
    throwsNaming(() => parseRoundRobinConfig({ drain_timeout: '7200s' }), 'drain_timeout', /at most 3600s/);
  });

  it('rejects unknown fields with a suggestion', () => {
    throwsNaming(
      () => parseRoundRobinConfig({ drain_timout: '1s' }),
      'drain_timout',
      /did you mean "drain_timeout"/,
    );
  });

  it('rejects a non-object', () => {
    throwsNaming(() => parseRoundRobinConfig([]), 'thick_round_robin', /must be a JSON object/);
  });
});

describe('durations', () => {
  it('parses and formats proto3 durations', () => {
    assert.equal(checkDuration('d', '0s'), 0);
    assert.equal(checkDuration('d', '1.000000001s'), 1000.000001);
    assert.equal(checkDuration('d', { seconds: '2' }), 2000);
    assert.equal(formatDuration(30000), '30s');
    assert.equal(formatDuration(250), '0.25s');
  });

  for (const bad of [
    '1',
    's',
    '-1s',
    '1.s',
    '1.0000000001s',
    { seconds: 1, nanos: 1e9 },
    { seconds: -1 },
    { sec: 1 },
    null,
  ]) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(() => checkDuration('x.y', bad), ThickConfigError);
    });
  }
});
