import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ThickConfigError } from '../../lib/config/errors.js';
import { parseP2cConfig, parseRoundRobinConfig } from '../../lib/config/policy.js';
import { p2cJson, roundRobinJson } from '../../lib/config/policy-options.js';

describe('typed thick_round_robin options → service-config JSON', () => {
  it('maps every field, durations in ms to proto3 strings', () => {
    const json = roundRobinJson({
      drainTimeoutMs: 10_000,
      failureCodes: ['UNAVAILABLE', 4],
      ejection: {
        consecutiveFailures: 3,
        intervalMs: 1000,
        failurePercentage: { threshold: 50, minimumRequests: 10 },
        baseEjectionMs: 2000,
        maxEjectionMs: 20_000,
        jitter: 0,
        maxEjectedPercent: 30,
      },
      panicThresholdPercent: 40,
      slowStart: { windowMs: 5000, aggression: 2, minWeightPercent: 5 },
      healthCheck: { serviceName: 'echo.Echo' },
      stallDetection: { latencyMultiplier: 5, floorMs: 50, minOutstanding: 3 },
    });
    assert.deepEqual(json, {
      drain_timeout: '10s',
      failure_codes: ['UNAVAILABLE', 4],
      ejection: {
        consecutive_failures: 3,
        interval: '1s',
        failure_percentage: { threshold: 50, minimum_requests: 10 },
        base_time: '2s',
        max_time: '20s',
        jitter: 0,
        max_ejected_percent: 30,
      },
      panic_threshold_percent: 40,
      slow_start: { window: '5s', aggression: 2, min_weight_percent: 5 },
      health_check: { service_name: 'echo.Echo' },
      stall_detection: { latency_multiplier: 5, floor: '0.05s', min_outstanding: 3 },
    });
    assert.equal(parseRoundRobinConfig(json).health.ejection.baseEjectionMs, 2000);
  });

  it('turns parts on and off with booleans and null', () => {
    assert.deepEqual(
      roundRobinJson({
        slowStart: true,
        healthCheck: true,
        stallDetection: false,
        ejection: { failurePercentage: null },
      }),
      {
        slow_start: {},
        health_check: {},
        stall_detection: false,
        ejection: { failure_percentage: null },
      },
    );
    assert.deepEqual(roundRobinJson({ slowStart: false, healthCheck: false }), {});
  });

  const bad: [object, string, RegExp][] = [
    [{ ejection: { maxEjectedPercent: 150 } }, 'roundRobin.ejection.maxEjectedPercent', /between 0 and 100/],
    [{ ejection: { baseEjectionMs: -5 } }, 'roundRobin.ejection.baseEjectionMs', />= 0/],
    [{ ejection: { baseEjectionMs: 0 } }, 'roundRobin.ejection.baseEjectionMs', /longer than 0s/],
    [{ failureCodes: ['UNAVAILABE'] }, 'roundRobin.failureCodes', /unknown status code/],
    [{ ejection: { consecutive: 3 } }, 'roundRobin.ejection', /did you mean "consecutiveFailures"/],
    [{ slowStart: { aggression: 0 } }, 'roundRobin.slowStart.aggression', /between 0.01 and 100/],
    [{ panicThresholdPercent: 101 }, 'roundRobin.panicThresholdPercent', /between 0 and 100/],
  ];
  for (const [options, field, message] of bad) {
    it(`names ${field} for ${JSON.stringify(options)}`, () => {
      assert.throws(
        () => roundRobinJson(options),
        (e: unknown) => e instanceof ThickConfigError && e.message.includes(field) && message.test(e.message),
      );
    });
  }
});

describe('thick_p2c config', () => {
  it('defaults to peak_ewma with Linkerd’s default latency and decay', () => {
    const s = parseP2cConfig({});
    assert.deepEqual(s.load, {
      metric: 'peak_ewma',
      defaultLatencyMs: 30,
      decayMs: 10_000,
      failurePenalty: 2,
    });
    assert.equal(
      s.drainTimeoutMs,
      parseRoundRobinConfig({}).drainTimeoutMs,
      'the shared fields as round robin',
    );
    assert.ok(Object.isFrozen(s) && Object.isFrozen(s.load));
  });

  it('parses its own fields and the shared ones', () => {
    const s = parseP2cConfig({
      load_metric: 'least_request',
      default_latency: '0.005s',
      decay: '2s',
      failure_penalty: 4,
      drain_timeout: '5s',
      ejection: { consecutive_failures: 2 },
    });
    assert.deepEqual(s.load, {
      metric: 'least_request',
      defaultLatencyMs: 5,
      decayMs: 2000,
      failurePenalty: 4,
    });
    assert.equal(s.drainTimeoutMs, 5000);
    assert.equal(s.health.ejection.consecutiveFailures, 2);
  });

  it('rejects bad values with the field named', () => {
    const cases: [object, RegExp][] = [
      [{ load_metric: 'ewma' }, /thick_p2c\.load_metric must be one of "peak_ewma", "least_request"/],
      [{ decay: '0s' }, /thick_p2c\.decay must be longer than 0s/],
      [{ default_latency: 30 }, /thick_p2c\.default_latency/],
      [{ failure_penalty: 0.5 }, /thick_p2c\.failure_penalty/],
      [{ load_metrc: 'peak_ewma' }, /load_metric/],
    ];
    for (const [json, message] of cases) {
      assert.throws(
        () => parseP2cConfig(json),
        (e: unknown) => e instanceof ThickConfigError && message.test(e.message),
      );
    }
    assert.throws(
      () => parseRoundRobinConfig({ load_metric: 'peak_ewma' }),
      ThickConfigError,
      'not a round-robin field',
    );
  });

  it('typed options map to the JSON, and errors name the typed field', () => {
    assert.deepEqual(
      p2cJson({ loadMetric: 'least_request', decayMs: 2000, defaultLatencyMs: 5, failurePenalty: 3 }),
      {
        load_metric: 'least_request',
        decay: '2s',
        default_latency: '0.005s',
        failure_penalty: 3,
      },
    );
    assert.throws(
      () => p2cJson({ decayMs: 0 }),
      (e: unknown) =>
        e instanceof ThickConfigError && e.field === 'p2c.decayMs' && /p2c\.decayMs/.test(e.message),
    );
  });
});
