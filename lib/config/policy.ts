import { ROUND_ROBIN_DEFAULTS } from './defaults.js';
import { describe, ThickConfigError } from './errors.js';
import { checkDuration, checkKnownKeys, formatDuration } from './fields.js';
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
  readonly health: HealthSettings;
}

export const DEFAULT_ROUND_ROBIN_SETTINGS: RoundRobinSettings = Object.freeze({
  ...ROUND_ROBIN_DEFAULTS,
  health: DEFAULT_HEALTH_SETTINGS,
});

const FIELDS = ['drain_timeout', 'connect_timeout', ...HEALTH_FIELDS] as const;
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
    health: parseHealthSettings(THICK_ROUND_ROBIN, obj),
  });
}
