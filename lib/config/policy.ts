import { ROUND_ROBIN_DEFAULTS } from './defaults.js';
import { describe, ThickConfigError } from './errors.js';
import { checkDuration, checkKnownKeys, formatDuration } from './fields.js';

export const THICK_ROUND_ROBIN = 'thick_round_robin';

/** Every policy this SDK registers. */
export const THICK_POLICIES: readonly string[] = Object.freeze([THICK_ROUND_ROBIN]);

/** thick_round_robin's settings, parsed from its service-config JSON, validated and frozen. */
export interface RoundRobinSettings {
  readonly drainTimeoutMs: number;
}

const FIELDS = ['drain_timeout'] as const;
const MAX_DRAIN_MS = 3_600_000;

export function parseRoundRobinConfig(json: unknown): RoundRobinSettings {
  const where = `the "${THICK_ROUND_ROBIN}" load-balancing config`;
  if (json === undefined || json === null) return ROUND_ROBIN_DEFAULTS;
  if (typeof json !== 'object' || Array.isArray(json)) {
    throw new ThickConfigError(THICK_ROUND_ROBIN, `${where} must be a JSON object, got ${describe(json)}`);
  }
  checkKnownKeys(where, json, FIELDS);
  const obj = json as Record<string, unknown>;
  const settings: RoundRobinSettings = { ...ROUND_ROBIN_DEFAULTS };
  if (obj.drain_timeout !== undefined) {
    const ms = checkDuration(`${THICK_ROUND_ROBIN}.drain_timeout`, obj.drain_timeout);
    if (ms > MAX_DRAIN_MS) {
      throw new ThickConfigError(
        'drain_timeout',
        `${THICK_ROUND_ROBIN}.drain_timeout must be at most ${formatDuration(MAX_DRAIN_MS)}, got ${describe(obj.drain_timeout)}`,
      );
    }
    return Object.freeze({ ...settings, drainTimeoutMs: ms });
  }
  return Object.freeze(settings);
}

export function renderRoundRobinConfig(settings: RoundRobinSettings): Record<string, unknown> {
  return { drain_timeout: formatDuration(settings.drainTimeoutMs) };
}
