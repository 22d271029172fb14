import type { RetryBudgetSettings } from '../retry/budget.js';
import { RETRY_BUDGET_DEFAULTS, ROUND_ROBIN_DEFAULTS } from './defaults.js';
import { describe, ThickConfigError } from './errors.js';
import { checkDuration, checkKnownKeys, checkNumber, formatDuration } from './fields.js';
import {
  DEFAULT_HEALTH_SETTINGS,
  HEALTH_FIELDS,
  type HealthSettings,
  parseHealthSettings,
} from './health-config.js';

export const THICK_ROUND_ROBIN = 'thick_round_robin';

/** Every policy this SDK registers. */
export const THICK_POLICIES: readonly string[] = Object.freeze([THICK_ROUND_ROBIN]);

/** thick_round_robin's settings, parsed from its service-config JSON, validated and frozen. */
export interface RoundRobinSettings {
  readonly drainTimeoutMs: number;
  /** 0 = none. */
  readonly connectTimeoutMs: number;
  /** null: no budget (grpc-js retryPolicy alone decides). */
  readonly retryBudget: RetryBudgetSettings | null;
  readonly health: HealthSettings;
}

export const DEFAULT_ROUND_ROBIN_SETTINGS: RoundRobinSettings = Object.freeze({
  ...ROUND_ROBIN_DEFAULTS,
  retryBudget: RETRY_BUDGET_DEFAULTS,
  health: DEFAULT_HEALTH_SETTINGS,
});

const FIELDS = ['drain_timeout', 'connect_timeout', 'retry_budget', ...HEALTH_FIELDS] as const;
const MAX_DRAIN_MS = 3_600_000;

export function parseRoundRobinConfig(json: unknown): RoundRobinSettings {
  const where = `the "${THICK_ROUND_ROBIN}" load-balancing config`;
  if (json === undefined || json === null) return DEFAULT_ROUND_ROBIN_SETTINGS;
  if (typeof json !== 'object' || Array.isArray(json)) {
    throw new ThickConfigError(THICK_ROUND_ROBIN, `${where} must be a JSON object, got ${describe(json)}`);
  }
  checkKnownKeys(where, json, FIELDS);
  const obj = json as Record<string, unknown>;
  let drainTimeoutMs: number = ROUND_ROBIN_DEFAULTS.drainTimeoutMs;
  if (obj.drain_timeout !== undefined) {
    drainTimeoutMs = checkDuration(`${THICK_ROUND_ROBIN}.drain_timeout`, obj.drain_timeout);
    if (drainTimeoutMs > MAX_DRAIN_MS) {
      throw new ThickConfigError(
        'drain_timeout',
        `${THICK_ROUND_ROBIN}.drain_timeout must be at most ${formatDuration(MAX_DRAIN_MS)}, got ${describe(obj.drain_timeout)}`,
      );
    }
  }
  const connectTimeoutMs =
    obj.connect_timeout === undefined
      ? ROUND_ROBIN_DEFAULTS.connectTimeoutMs
      : checkDuration(`${THICK_ROUND_ROBIN}.connect_timeout`, obj.connect_timeout);
  return Object.freeze({
    drainTimeoutMs,
    connectTimeoutMs,
    retryBudget: parseRetryBudget(`${THICK_ROUND_ROBIN}.retry_budget`, obj.retry_budget),
    health: parseHealthSettings(THICK_ROUND_ROBIN, obj),
  });
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
