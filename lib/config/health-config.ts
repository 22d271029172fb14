import type { EjectionSettings } from '../health/ejection.js';
import type { SlowStartSettings } from '../health/slow-start.js';
import type { StallSettings } from '../health/stall.js';
import {
  EJECTION_DEFAULTS,
  FAILURE_CODE_DEFAULTS,
  PANIC_DEFAULTS,
  SLOW_START_DEFAULTS,
  STALL_DEFAULTS,
} from './defaults.js';
import { describe, ThickConfigError } from './errors.js';
import { checkDuration, checkKnownKeys, checkNumber, checkString } from './fields.js';
import { CANCELLED_CODE, STATUS_CODES } from './status-codes.js';

/** Everything the health layer needs, parsed from a thick policy's config. */
export interface HealthSettings {
  readonly failureCodes: ReadonlySet<number>;
  readonly ejection: EjectionSettings;
  readonly panicThresholdPercent: number;
  /** null: off (the default). */
  readonly slowStart: SlowStartSettings | null;
  /** null: off (the default); a service name ("" for the whole server) turns Health/Watch on. */
  readonly healthCheck: { readonly serviceName: string } | null;
  /** null: off; on by default. */
  readonly stall: StallSettings | null;
}

export const HEALTH_FIELDS = [
  'failure_codes',
  'ejection',
  'panic_threshold_percent',
  'slow_start',
  'health_check',
  'stall_detection',
] as const;

type Json = Record<string, unknown>;

function object(field: string, value: unknown): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ThickConfigError(field, `${field} must be a JSON object, got ${describe(value)}`);
  }
  return value as Json;
}

const percent = (field: string, v: unknown) => checkNumber(field, v, { min: 0, max: 100, unit: '%' });
const positiveDuration = (field: string, v: unknown) => {
  const ms = checkDuration(field, v);
  if (ms <= 0) throw new ThickConfigError(field, `${field} must be longer than 0s, got ${describe(v)}`);
  return ms;
};

function parseCodes(field: string, value: unknown): ReadonlySet<number> {
  if (!Array.isArray(value))
    throw new ThickConfigError(field, `${field} must be an array of status codes, got ${describe(value)}`);
  const codes = new Set<number>();
  for (const entry of value) {
    const code = typeof entry === 'string' ? STATUS_CODES[entry.toUpperCase()] : entry;
    if (typeof code !== 'number' || !Object.values(STATUS_CODES).includes(code)) {
      throw new ThickConfigError(
        field,
        `${field} has an unknown status code ${describe(entry)}; use names such as "UNAVAILABLE" or numbers 1-16`,
      );
    }
    if (code === 0 || code === CANCELLED_CODE) {
      throw new ThickConfigError(
        field,
        `${field} cannot hold ${describe(entry)}: OK is a success and CANCELLED says nothing about the endpoint`,
      );
    }
    codes.add(code);
  }
  return Object.freeze(codes);
}

function parseEjection(prefix: string, value: unknown): EjectionSettings {
  const d = EJECTION_DEFAULTS;
  const o = object(prefix, value ?? {});
  checkKnownKeys(prefix, o, [
    'consecutive_failures',
    'interval',
    'failure_percentage',
    'base_time',
    'max_time',
    'jitter',
    'max_ejected_percent',
  ]);
  const f = (name: string) => `${prefix}.${name}`;
  let failurePercent: EjectionSettings['failurePercent'] = {
    threshold: d.failurePercentThreshold,
    minimumRequests: d.failurePercentMinimumRequests,
  };
  if (o.failure_percentage === null) failurePercent = null;
  else if (o.failure_percentage !== undefined) {
    const fp = object(f('failure_percentage'), o.failure_percentage);
    checkKnownKeys(f('failure_percentage'), fp, ['threshold', 'minimum_requests']);
    failurePercent = {
      threshold:
        fp.threshold === undefined
          ? d.failurePercentThreshold
          : percent(f('failure_percentage.threshold'), fp.threshold),
      minimumRequests:
        fp.minimum_requests === undefined
          ? d.failurePercentMinimumRequests
          : checkNumber(f('failure_percentage.minimum_requests'), fp.minimum_requests, {
              min: 1,
              integer: true,
            }),
    };
  }
  const base = o.base_time === undefined ? d.baseEjectionMs : positiveDuration(f('base_time'), o.base_time);
  const max =
    o.max_time === undefined ? Math.max(d.maxEjectionMs, base) : positiveDuration(f('max_time'), o.max_time);
  if (max < base) {
    throw new ThickConfigError(
      f('max_time'),
      `${f('max_time')} (${describe(o.max_time)}) must not be shorter than ${f('base_time')}`,
    );
  }
  return Object.freeze({
    consecutiveFailures:
      o.consecutive_failures === undefined
        ? d.consecutiveFailures
        : checkNumber(f('consecutive_failures'), o.consecutive_failures, {
            min: 0,
            integer: true,
            unit: '0 = off',
          }),
    intervalMs: o.interval === undefined ? d.intervalMs : positiveDuration(f('interval'), o.interval),
    failurePercent: failurePercent && Object.freeze(failurePercent),
    baseEjectionMs: base,
    maxEjectionMs: max,
    ejectionJitter:
      o.jitter === undefined ? d.ejectionJitter : checkNumber(f('jitter'), o.jitter, { min: 0, max: 1 }),
    maxEjectedPercent:
      o.max_ejected_percent === undefined
        ? d.maxEjectedPercent
        : percent(f('max_ejected_percent'), o.max_ejected_percent),
  });
}

function parseSlowStart(prefix: string, value: unknown): SlowStartSettings | null {
  if (value === undefined || value === null) return null;
  const o = object(prefix, value);
  checkKnownKeys(prefix, o, ['window', 'aggression', 'min_weight_percent']);
  const d = SLOW_START_DEFAULTS;
  return Object.freeze({
    windowMs: o.window === undefined ? d.windowMs : positiveDuration(`${prefix}.window`, o.window),
    aggression:
      o.aggression === undefined
        ? d.aggression
        : checkNumber(`${prefix}.aggression`, o.aggression, { min: 0.01, max: 100 }),
    minWeightPercent:
      o.min_weight_percent === undefined
        ? d.minWeightPercent
        : checkNumber(`${prefix}.min_weight_percent`, o.min_weight_percent, { min: 1, max: 100, unit: '%' }),
  });
}

function parseStall(prefix: string, value: unknown): StallSettings | null {
  if (value === false) return null;
  const o = object(prefix, value ?? {});
  checkKnownKeys(prefix, o, ['latency_multiplier', 'floor', 'min_outstanding']);
  const d = STALL_DEFAULTS;
  return Object.freeze({
    latencyMultiplier:
      o.latency_multiplier === undefined
        ? d.latencyMultiplier
        : checkNumber(`${prefix}.latency_multiplier`, o.latency_multiplier, { min: 1, max: 1000 }),
    floorMs: o.floor === undefined ? d.floorMs : positiveDuration(`${prefix}.floor`, o.floor),
    minOutstanding:
      o.min_outstanding === undefined
        ? d.minOutstanding
        : checkNumber(`${prefix}.min_outstanding`, o.min_outstanding, { min: 1, integer: true }),
    latencyDecayMs: d.latencyDecayMs,
  });
}

/** Parses the health fields of a thick policy's config object (`policy` names it in errors). */
export function parseHealthSettings(policy: string, obj: Json): HealthSettings {
  let healthCheck: HealthSettings['healthCheck'] = null;
  if (obj.health_check !== undefined && obj.health_check !== null) {
    const hc = object(`${policy}.health_check`, obj.health_check);
    checkKnownKeys(`${policy}.health_check`, hc, ['service_name']);
    const name = hc.service_name ?? '';
    healthCheck = Object.freeze({
      serviceName: name === '' ? '' : checkString(`${policy}.health_check.service_name`, name),
    });
  }
  return Object.freeze({
    failureCodes: parseCodes(`${policy}.failure_codes`, obj.failure_codes ?? FAILURE_CODE_DEFAULTS),
    ejection: parseEjection(`${policy}.ejection`, obj.ejection),
    panicThresholdPercent:
      obj.panic_threshold_percent === undefined
        ? PANIC_DEFAULTS.thresholdPercent
        : percent(`${policy}.panic_threshold_percent`, obj.panic_threshold_percent),
    slowStart: parseSlowStart(`${policy}.slow_start`, obj.slow_start),
    healthCheck,
    stall: parseStall(`${policy}.stall_detection`, obj.stall_detection),
  });
}

export const DEFAULT_HEALTH_SETTINGS: HealthSettings = parseHealthSettings('defaults', {});
