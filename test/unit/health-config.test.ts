import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EJECTION_DEFAULTS, SLOW_START_DEFAULTS, STALL_DEFAULTS } from '../../lib/config/defaults.js';
import { ThickConfigError } from '../../lib/config/errors.js';
import { parseRoundRobinConfig } from '../../lib/config/policy.js';

const health = (json: object) => parseRoundRobinConfig(json).health;

describe('health settings in thick_round_robin', () => {
  it('defaults: ejection and stall detection on, slow start and health checking off', () => {
    const h = health({});
    assert.equal(h.ejection.consecutiveFailures, EJECTION_DEFAULTS.consecutiveFailures);
    assert.equal(h.ejection.failurePercent?.threshold, 85);
    assert.equal(h.panicThresholdPercent, 50);
    assert.equal(h.slowStart, null);
    assert.equal(h.healthCheck, null);
    assert.deepEqual(h.stall, STALL_DEFAULTS);
    assert.deepEqual(
      [...h.failureCodes].sort((a, b) => a - b),
      [2, 4, 13, 14, 15],
    );
  });

  it('reads every field', () => {
    const h = health({
      failure_codes: ['unavailable', 8],
      ejection: {
        consecutive_failures: 3,
        interval: '1s',
        failure_percentage: { threshold: 50, minimum_requests: 5 },
        base_time: '2s',
        max_time: { seconds: 20 },
        jitter: 0,
        max_ejected_percent: 30,
      },
      panic_threshold_percent: 0,
      slow_start: { window: '10s', aggression: 2, min_weight_percent: 5 },
      health_check: { service_name: 'echo.Echo' },
      stall_detection: { latency_multiplier: 5, floor: '0.05s', min_outstanding: 3 },
    });
    assert.deepEqual([...h.failureCodes], [14, 8]);
    assert.deepEqual(h.ejection, {
      consecutiveFailures: 3,
      intervalMs: 1000,
      failurePercent: { threshold: 50, minimumRequests: 5 },
      baseEjectionMs: 2000,
      maxEjectionMs: 20000,
      ejectionJitter: 0,
      maxEjectedPercent: 30,
    });
    assert.equal(h.panicThresholdPercent, 0);
    assert.deepEqual(h.slowStart, { windowMs: 10000, aggression: 2, minWeightPercent: 5 });
    assert.deepEqual(h.healthCheck, { serviceName: 'echo.Echo' });
    assert.deepEqual(h.stall, {
      latencyMultiplier: 5,
      floorMs: 50,
      minOutstanding: 3,
      latencyDecayMs: STALL_DEFAULTS.latencyDecayMs,
    });
  });

  it('turns parts off', () => {
    const h = health({
      ejection: { failure_percentage: null, consecutive_failures: 0 },
      stall_detection: false,
    });
    assert.equal(h.ejection.failurePercent, null);
    assert.equal(h.ejection.consecutiveFailures, 0);
    assert.equal(h.stall, null);
  });

  it('turns slow start and health checking on with defaults', () => {
    const h = health({ slow_start: {}, health_check: {} });
    assert.deepEqual(h.slowStart, SLOW_START_DEFAULTS);
    assert.deepEqual(h.healthCheck, { serviceName: '' });
  });

  const bad: [object, string, RegExp][] = [
    [{ ejection: { base_time: '-1s' } }, 'thick_round_robin.ejection.base_time', /duration/],
    [{ ejection: { base_time: '0s' } }, 'thick_round_robin.ejection.base_time', /longer than 0s/],
    [
      { ejection: { base_time: '60s', max_time: '30s' } },
      'thick_round_robin.ejection.max_time',
      /not be shorter/,
    ],
    [
      { ejection: { max_ejected_percent: 150 } },
      'thick_round_robin.ejection.max_ejected_percent',
      /between 0 and 100/,
    ],
    [
      { ejection: { failure_percentage: { threshold: 101 } } },
      'failure_percentage.threshold',
      /between 0 and 100/,
    ],
    [{ ejection: { failure_percentage: { minimum_requests: 0 } } }, 'minimum_requests', />= 1/],
    [{ ejection: { consecutive_failures: -1 } }, 'consecutive_failures', />= 0/],
    [{ ejection: { consecutive_failure: 3 } }, 'consecutive_failure', /did you mean "consecutive_failures"/],
    [{ panic_threshold_percent: 120 }, 'panic_threshold_percent', /between 0 and 100/],
    [{ failure_codes: ['UNAVAILABE'] }, 'failure_codes', /unknown status code "UNAVAILABE"/],
    [{ failure_codes: [99] }, 'failure_codes', /unknown status code 99/],
    [{ failure_codes: ['CANCELLED'] }, 'failure_codes', /CANCELLED says nothing/],
    [{ failure_codes: 'UNAVAILABLE' }, 'failure_codes', /must be an array/],
    [{ slow_start: { aggression: 0 } }, 'slow_start.aggression', /between 0.01 and 100/],
    [{ slow_start: { window: '0s' } }, 'slow_start.window', /longer than 0s/],
    [{ slow_start: true }, 'slow_start', /must be a JSON object/],
    [{ health_check: { service_name: 3 } }, 'health_check.service_name', /non-empty string/],
    [{ stall_detection: { floor: 100 } }, 'stall_detection.floor', /duration/],
    [{ stall_detection: { latency_multiplier: 0.5 } }, 'latency_multiplier', /between 1 and 1000/],
  ];
  for (const [json, field, message] of bad) {
    it(`names ${field} for ${JSON.stringify(json)}`, () => {
      assert.throws(
        () => parseRoundRobinConfig(json),
        (e: unknown) => e instanceof ThickConfigError && e.message.includes(field) && message.test(e.message),
      );
    });
  }
});
