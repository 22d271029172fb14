import type { LoadMetric } from './defaults.js';
import { describe, ThickConfigError } from './errors.js';
import { checkKnownKeys, checkNumber, closest, formatDuration } from './fields.js';
import { parseP2cConfig, parseRoundRobinConfig, THICK_P2C, THICK_ROUND_ROBIN } from './policy.js';

/** thick_round_robin's settings as the typed helper takes them: camelCase, durations in ms. */
export interface ThickRoundRobinOptions {
  /** How long a pod removed from DNS keeps its calls in flight. Default 30 000. */
  drainTimeoutMs?: number;
  /** A pending connection attempt is abandoned and retried after this; 0 = never. Default 5 000. */
  connectTimeoutMs?: number;
  /** false: no budget. Default 20 % of calls + 10 retries/s over 10 s. */
  retryBudget?: false | { percent?: number; minRetriesPerSecond?: number; windowMs?: number };
  /** Status codes (names or numbers) that count as an endpoint failure. */
  failureCodes?: (string | number)[];
  ejection?: {
    consecutiveFailures?: number;
    intervalMs?: number;
    /** null turns the failure-percentage rule off. */
    failurePercentage?: { threshold?: number; minimumRequests?: number } | null;
    baseEjectionMs?: number;
    maxEjectionMs?: number;
    jitter?: number;
    maxEjectedPercent?: number;
  };
  panicThresholdPercent?: number;
  /** true or settings: on (off by default). */
  slowStart?: boolean | { windowMs?: number; aggression?: number; minWeightPercent?: number };
  /** true or settings: Health/Watch on (off by default); serviceName "" is the whole server. */
  healthCheck?: boolean | { serviceName?: string };
  /** false turns it off (on by default). */
  stallDetection?: boolean | { latencyMultiplier?: number; floorMs?: number; minOutstanding?: number };
}

/** thick_p2c's settings as the typed helper takes them: the shared ones, and how load is measured. */
export interface ThickP2cOptions extends ThickRoundRobinOptions {
  /** Default "peak_ewma": latency × calls in flight; "least_request": calls in flight. */
  loadMetric?: LoadMetric;
  /** Latency assumed before an endpoint's first answer. Default 30. */
  defaultLatencyMs?: number;
  /** Time constant of the latency estimate. Default 10 000. */
  decayMs?: number;
  /** A failed call counts as at least this × the endpoint's estimate. Default 2. */
  failurePenalty?: number;
}

type Kind = 'ms' | 'value';
/** typed name → [JSON name, how to convert]; nested objects have their own table. */
type Schema = { readonly [name: string]: readonly [string, Kind] | readonly [string, Schema] };

const SCHEMA: Schema = {
  drainTimeoutMs: ['drain_timeout', 'ms'],
  connectTimeoutMs: ['connect_timeout', 'ms'],
  failureCodes: ['failure_codes', 'value'],
  retryBudget: [
    'retry_budget',
    {
      percent: ['percent', 'value'],
      minRetriesPerSecond: ['min_retries_per_second', 'value'],
      windowMs: ['window', 'ms'],
    },
  ],
  ejection: [
    'ejection',
    {
      consecutiveFailures: ['consecutive_failures', 'value'],
      intervalMs: ['interval', 'ms'],
      failurePercentage: [
        'failure_percentage',
        { threshold: ['threshold', 'value'], minimumRequests: ['minimum_requests', 'value'] },
      ],
      baseEjectionMs: ['base_time', 'ms'],
      maxEjectionMs: ['max_time', 'ms'],
      jitter: ['jitter', 'value'],
      maxEjectedPercent: ['max_ejected_percent', 'value'],
    },
  ],
  panicThresholdPercent: ['panic_threshold_percent', 'value'],
  slowStart: [
    'slow_start',
    {
      windowMs: ['window', 'ms'],
      aggression: ['aggression', 'value'],
      minWeightPercent: ['min_weight_percent', 'value'],
    },
  ],
  healthCheck: ['health_check', { serviceName: ['service_name', 'value'] }],
  stallDetection: [
    'stall_detection',
    {
      latencyMultiplier: ['latency_multiplier', 'value'],
      floorMs: ['floor', 'ms'],
      minOutstanding: ['min_outstanding', 'value'],
    },
  ],
};

const P2C_SCHEMA: Schema = {
  ...SCHEMA,
  loadMetric: ['load_metric', 'value'],
  defaultLatencyMs: ['default_latency', 'ms'],
  decayMs: ['decay', 'ms'],
  failurePenalty: ['failure_penalty', 'value'],
};

/** Typed names for JSON paths, to name fields in errors as the caller wrote them. */
function typedNames(schema: Schema, typedRoot: string, policy: string): Map<string, string> {
  const names = new Map<string, string>();
  (function index(s: Schema, typedPrefix: string, jsonPrefix: string) {
    for (const [typed, [json, kind]] of Object.entries(s)) {
      names.set(`${jsonPrefix}${json}`, `${typedPrefix}${typed}`);
      if (typeof kind === 'object') index(kind, `${typedPrefix}${typed}.`, `${jsonPrefix}${json}.`);
    }
  })(schema, `${typedRoot}.`, `${policy}.`);
  return names;
}

interface PolicyForm {
  readonly policy: string;
  readonly typedRoot: string;
  readonly schema: Schema;
  readonly names: Map<string, string>;
  readonly parse: (json: unknown) => unknown;
}

const ROUND_ROBIN_FORM: PolicyForm = {
  policy: THICK_ROUND_ROBIN,
  typedRoot: 'roundRobin',
  schema: SCHEMA,
  names: typedNames(SCHEMA, 'roundRobin', THICK_ROUND_ROBIN),
  parse: parseRoundRobinConfig,
};

const P2C_FORM: PolicyForm = {
  policy: THICK_P2C,
  typedRoot: 'p2c',
  schema: P2C_SCHEMA,
  names: typedNames(P2C_SCHEMA, 'p2c', THICK_P2C),
  parse: parseP2cConfig,
};

function convert(where: string, value: unknown, schema: Schema): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ThickConfigError(where, `${where} must be an object, got ${describe(value)}`);
  }
  checkKnownKeys(where, value, Object.keys(schema));
  const out: Record<string, unknown> = {};
  for (const [typed, v] of Object.entries(value)) {
    if (v === undefined) continue;
    const [json, kind] = schema[typed]!;
    const name = `${where}.${typed}`;
    if (typeof kind === 'object') {
      // true: on with defaults; false/null: off (the parser knows which parts accept which).
      out[json] = v === true ? {} : v === false ? false : v === null ? null : convert(name, v, kind);
    } else if (kind === 'ms') {
      out[json] = formatDuration(checkNumber(name, v, { min: 0, unit: 'ms' }));
    } else {
      out[json] = v;
    }
  }
  return out;
}

/**
 * The service-config JSON of thick_round_robin for typed options, validated by the same parser
 * the channel uses; errors name the typed field (roundRobin.ejection.baseEjectionMs).
 */
export function roundRobinJson(options: ThickRoundRobinOptions): Record<string, unknown> {
  return policyJson(ROUND_ROBIN_FORM, options);
}

/** The same for thick_p2c; errors name the typed field (p2c.decayMs). */
export function p2cJson(options: ThickP2cOptions): Record<string, unknown> {
  return policyJson(P2C_FORM, options);
}

function policyJson(form: PolicyForm, options: object): Record<string, unknown> {
  const json = convert(form.typedRoot, options, form.schema);
  if (json.health_check === false) delete json.health_check;
  if (json.slow_start === false) delete json.slow_start;
  try {
    form.parse(json);
  } catch (error) {
    if (!(error instanceof ThickConfigError)) throw error;
    let message = error.message.replace('grpc-thick-client: ', '');
    for (const [jsonPath, typedPath] of [...form.names].sort((a, b) => b[0].length - a[0].length)) {
      message = message.replaceAll(jsonPath, typedPath);
    }
    const field =
      form.names.get(`${form.policy}.${error.field}`) ??
      closest(error.field, [...form.names.values()]) ??
      error.field;
    throw new ThickConfigError(field, message);
  }
  return json;
}
