import type { LoadSettings } from '../picking/load-settings.js';
import type { RetryBudgetSettings } from '../retry/budget.js';
import { P2C_DEFAULTS, RETRY_BUDGET_DEFAULTS, ROUND_ROBIN_DEFAULTS } from './defaults.js';
import { describe, ThickConfigError } from './errors.js';
import { checkDuration, checkEnum, checkKnownKeys, checkNumber, formatDuration } from './fields.js';
import {
  DEFAULT_HEALTH_SETTINGS,
  HEALTH_FIELDS,
  type HealthSettings,
  parseHealthSettings,
} from './health-config.js';

export const THICK_ROUND_ROBIN = 'thick_round_robin';
export const THICK_P2C = 'thick_p2c';
export type ThickPolicyName = typeof THICK_ROUND_ROBIN | typeof THICK_P2C;

/** Every policy this SDK registers. */
export const THICK_POLICIES: readonly ThickPolicyName[] = Object.freeze([THICK_ROUND_ROBIN, THICK_P2C]);

/** What every thick policy shares, parsed from its service-config JSON, validated and frozen. */
export interface ThickSettings {
  readonly drainTimeoutMs: number;
  /** 0 = none. */
  readonly connectTimeoutMs: number;
  /** null: no budget (grpc-js retryPolicy alone decides). */
  readonly retryBudget: RetryBudgetSettings | null;
  readonly health: HealthSettings;
}

export type RoundRobinSettings = ThickSettings;

/** thick_p2c: the shared settings and how load is measured. */
export interface P2cSettings extends ThickSettings {
  readonly load: LoadSettings;
}

export const DEFAULT_ROUND_ROBIN_SETTINGS: RoundRobinSettings = Object.freeze({
  ...ROUND_ROBIN_DEFAULTS,
  retryBudget: RETRY_BUDGET_DEFAULTS,
  health: DEFAULT_HEALTH_SETTINGS,
});

export const DEFAULT_LOAD_SETTINGS: LoadSettings = Object.freeze({
  metric: P2C_DEFAULTS.loadMetric,
  defaultLatencyMs: P2C_DEFAULTS.defaultLatencyMs,
  decayMs: P2C_DEFAULTS.decayMs,
  failurePenalty: P2C_DEFAULTS.failurePenalty,
});

export const DEFAULT_P2C_SETTINGS: P2cSettings = Object.freeze({
  ...DEFAULT_ROUND_ROBIN_SETTINGS,
  load: DEFAULT_LOAD_SETTINGS,
});

const COMMON_FIELDS = ['drain_timeout', 'connect_timeout', 'retry_budget', ...HEALTH_FIELDS] as const;
const P2C_FIELDS = ['load_metric', 'default_latency', 'decay', 'failure_penalty'] as const;
const MAX_DRAIN_MS = 3_600_000;
/** A failure penalty above this would take a pod out for minutes after one error. */
const MAX_FAILURE_PENALTY = 100;

function configObject(
  policy: ThickPolicyName,
  json: unknown,
  fields: readonly string[],
): Record<string, unknown> {
  const where = `the "${policy}" load-balancing config`;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ThickConfigError(policy, `${where} must be a JSON object, got ${describe(json)}`);
  }
  checkKnownKeys(where, json, fields);
  return json as Record<string, unknown>;
}

function parseCommon(policy: ThickPolicyName, obj: Record<string, unknown>): ThickSettings {
  let drainTimeoutMs: number = ROUND_ROBIN_DEFAULTS.drainTimeoutMs;
  if (obj.drain_timeout !== undefined) {
    drainTimeoutMs = checkDuration(`${policy}.drain_timeout`, obj.drain_timeout);
    if (drainTimeoutMs > MAX_DRAIN_MS) {
      throw new ThickConfigError(
        'drain_timeout',
        `${policy}.drain_timeout must be at most ${formatDuration(MAX_DRAIN_MS)}, got ${describe(obj.drain_timeout)}`,
      );
    }
  }
  const connectTimeoutMs =
    obj.connect_timeout === undefined
      ? ROUND_ROBIN_DEFAULTS.connectTimeoutMs
      : checkDuration(`${policy}.connect_timeout`, obj.connect_timeout);
  return {
    drainTimeoutMs,
    connectTimeoutMs,
    retryBudget: parseRetryBudget(`${policy}.retry_budget`, obj.retry_budget),
    health: parseHealthSettings(policy, obj),
  };
}

export function isThickPolicy(name: string): name is ThickPolicyName {
  return (THICK_POLICIES as readonly string[]).includes(name);
}

/** A thick policy's config, parsed and validated (a ThickConfigError otherwise). */
export function parseThickPolicyConfig(name: ThickPolicyName, json: unknown): ThickSettings {
  return name === THICK_P2C ? parseP2cConfig(json) : parseRoundRobinConfig(json);
}

export function parseRoundRobinConfig(json: unknown): RoundRobinSettings {
  if (json === undefined || json === null) return DEFAULT_ROUND_ROBIN_SETTINGS;
  const obj = configObject(THICK_ROUND_ROBIN, json, COMMON_FIELDS);
  return Object.freeze(parseCommon(THICK_ROUND_ROBIN, obj));
}

export function parseP2cConfig(json: unknown): P2cSettings {
  if (json === undefined || json === null) return DEFAULT_P2C_SETTINGS;
  const obj = configObject(THICK_P2C, json, [...COMMON_FIELDS, ...P2C_FIELDS]);
  const d = DEFAULT_LOAD_SETTINGS;
  const positive = (field: string, value: unknown, fallback: number) => {
    if (value === undefined) return fallback;
    const ms = checkDuration(`${THICK_P2C}.${field}`, value);
    if (ms <= 0) {
      throw new ThickConfigError(
        field,
        `${THICK_P2C}.${field} must be longer than 0s, got ${describe(value)}`,
      );
    }
    return ms;
  };
  const load: LoadSettings = Object.freeze({
    metric:
      obj.load_metric === undefined
        ? d.metric
        : checkEnum(`${THICK_P2C}.load_metric`, obj.load_metric, ['peak_ewma', 'least_request'] as const),
    defaultLatencyMs: positive('default_latency', obj.default_latency, d.defaultLatencyMs),
    decayMs: positive('decay', obj.decay, d.decayMs),
    failurePenalty:
      obj.failure_penalty === undefined
        ? d.failurePenalty
        : checkNumber(`${THICK_P2C}.failure_penalty`, obj.failure_penalty, {
            min: 1,
            max: MAX_FAILURE_PENALTY,
          }),
  });
  return Object.freeze({ ...parseCommon(THICK_P2C, obj), load });
}

function parseRetryBudget(field: string, value: unknown): RetryBudgetSettings | null {
  if (value === false) return null;
  const d = RETRY_BUDGET_DEFAULTS;
  if (value === undefined) return d;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ThickConfigError(field, `${field} must be an object or false, got ${describe(value)}`);
  }
  checkKnownKeys(field, value, ['percent', 'min_retries_per_second', 'window']);
  const o = value as Record<string, unknown>;
  const windowMs = o.window === undefined ? d.windowMs : checkDuration(`${field}.window`, o.window);
  if (windowMs <= 0) throw new ThickConfigError(`${field}.window`, `${field}.window must be longer than 0s`);
  return Object.freeze({
    percent:
      o.percent === undefined
        ? d.percent
        : checkNumber(`${field}.percent`, o.percent, { min: 0, max: 1000, unit: '%' }),
    minRetriesPerSecond:
      o.min_retries_per_second === undefined
        ? d.minRetriesPerSecond
        : checkNumber(`${field}.min_retries_per_second`, o.min_retries_per_second, { min: 0 }),
    windowMs,
  });
}
