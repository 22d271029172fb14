import { type AddressFamily, KEEPALIVE_DEFAULTS, RETRY_POLICY_DEFAULTS } from '../config/defaults.js';
import { describe, ThickConfigError } from '../config/errors.js';
import { checkBoolean, checkKnownKeys, checkNumber, formatDuration } from '../config/fields.js';
import { THICK_P2C, THICK_ROUND_ROBIN, type ThickPolicyName } from '../config/policy.js';
import {
  p2cJson,
  roundRobinJson,
  type ThickP2cOptions,
  type ThickRoundRobinOptions,
} from '../config/policy-options.js';
import {
  checkResolverOption,
  parseResolverOptions,
  RESOLVER_OPTION_FOR_FIELD,
  type ResolverOptions,
} from '../discovery/options.js';
import type { CallInvocationTransformer, ChannelOptions } from './adapter.js';
import { thickCallTransformer } from './call-tag.js';
import { register } from './register.js';
import { checkServiceConfig } from './service-config.js';

/** Resolver settings; each maps to one `grpc-thick.*` channel option (see docs/configuration.md). */
export interface DnsPollOptions {
  pollIntervalMs?: number;
  pollJitter?: number;
  respectTtl?: boolean;
  minResolutionIntervalMs?: number;
  maxStalenessMs?: number;
  addressFamily?: AddressFamily;
  dnsTimeoutMs?: number;
  dnsTries?: number;
  resolvConfPath?: string;
}

/** Service-config parts other than the policy (retries, timeouts), passed through to grpc-js. */
export interface ExtraServiceConfig {
  methodConfig?: object[];
  retryThrottling?: { maxTokens: number; tokenRatio: number };
}

/** grpc-js keepalive options the helper writes; `false` writes none (grpc-js default: no pings). */
export interface KeepaliveOptions {
  timeMs?: number;
  timeoutMs?: number;
  permitWithoutCalls?: boolean;
}

/** grpc-js retryPolicy (gRFC A6) for every method that has no method config of its own. */
export interface RetryOptions {
  maxAttempts?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  backoffMultiplier?: number;
  retryableStatusCodes?: (string | number)[];
}

export interface ThickChannelOptionsInit {
  /**
   * The policy: `thick_round_robin`, or `thick_p2c` (latency-aware, recommended). Default:
   * `thick_p2c` when `p2c` settings are given, else `thick_round_robin`.
   */
  policy?: ThickPolicyName;
  /** thick_round_robin's settings. */
  roundRobin?: ThickRoundRobinOptions;
  /** thick_p2c's settings (the same health, drain and budget fields, plus how load is measured). */
  p2c?: ThickP2cOptions;
  dns?: DnsPollOptions;
  serviceConfig?: ExtraServiceConfig;
  /**
   * Default: retry UNAVAILABLE up to 3 attempts (each on another pod, within the retry budget).
   * `false` writes no retryPolicy. A method config of yours named `{}` replaces it.
   */
  retry?: RetryOptions | false;
  /** Default: a ping every 5 min while calls are active (safe against every server's default enforcement). */
  keepalive?: KeepaliveOptions | false;
}

export type { ThickP2cOptions, ThickRoundRobinOptions };

/**
 * Options for a grpc-js client constructor (`new Client(target, credentials, options)`), which
 * takes `callInvocationTransformer` beside channel options.
 */
export type ThickChannelOptions = ChannelOptions & {
  'grpc.service_config': string;
  /** The SDK's per-call hook (see `thickCallTransformer`): retries and deadlines, streams in thick_p2c. */
  callInvocationTransformer: CallInvocationTransformer;
};

/**
 * Builds the channel options that select our policy, validated now: a bad value throws a
 * ThickConfigError naming the field, where a raw service-config string would silently fall back to
 * pick_first. Only the settings you pass are written; the rest keep their documented defaults.
 */
export function thickChannelOptions(init: ThickChannelOptionsInit = {}): ThickChannelOptions {
  // Using the helper means using our resolver and policy: make sure they are registered.
  register();
  // JavaScript callers can pass anything; null would otherwise fail as a bare TypeError below.
  if (typeof init !== 'object' || init === null || Array.isArray(init)) {
    throw new ThickConfigError(
      'thickChannelOptions()',
      `thickChannelOptions() takes an options object (or nothing), got ${describe(init)}`,
    );
  }
  checkKnownKeys('thickChannelOptions()', init, INIT_FIELDS);
  const policyConfig = policyJson(init);
  const policy = init.policy ?? (init.p2c ? THICK_P2C : THICK_ROUND_ROBIN);
  const extra = init.serviceConfig ?? {};
  for (const key of ['loadBalancingConfig', 'loadBalancingPolicy']) {
    if (key in extra) {
      throw new ThickConfigError(
        `serviceConfig.${key}`,
        `serviceConfig.${key} is not allowed: the helper writes loadBalancingConfig from \`policy\` and its settings`,
      );
    }
  }
  const methodConfig = withDefaultRetry(extra.methodConfig ?? [], init.retry);
  const serviceConfig = JSON.stringify({
    ...extra,
    ...(methodConfig.length > 0 ? { methodConfig } : {}),
    loadBalancingConfig: [{ [policy]: policyConfig }],
  });
  const options: ThickChannelOptions = {
    'grpc.service_config': serviceConfig,
    callInvocationTransformer: thickCallTransformer(serviceConfig),
  };
  checkKnownKeys('dns', init.dns ?? {}, Object.keys(RESOLVER_OPTION_FOR_FIELD));
  for (const [field, value] of Object.entries(init.dns ?? {})) {
    if (value === undefined) continue;
    const name = RESOLVER_OPTION_FOR_FIELD[field as keyof ResolverOptions];
    checkResolverOption(field as keyof ResolverOptions, value, `dns.${field}`);
    options[name] = value;
  }
  parseResolverOptions(options);
  checkServiceConfig(serviceConfig);
  if (init.keepalive !== false) Object.assign(options, keepaliveOptions(init.keepalive ?? {}));
  return options;
}

/** The chosen policy's JSON config; settings given for the other policy are an error, not ignored. */
function policyJson(init: ThickChannelOptionsInit): Record<string, unknown> {
  const { policy } = init;
  if (policy !== undefined && policy !== THICK_ROUND_ROBIN && policy !== THICK_P2C) {
    throw new ThickConfigError(
      'policy',
      `policy must be "${THICK_ROUND_ROBIN}" or "${THICK_P2C}", got ${JSON.stringify(policy)}`,
    );
  }
  if (init.roundRobin && init.p2c) {
    throw new ThickConfigError('p2c', 'give either `roundRobin` or `p2c` settings, not both');
  }
  if (policy === THICK_P2C && init.roundRobin) {
    throw new ThickConfigError(
      'roundRobin',
      `policy "${THICK_P2C}" takes its settings as \`p2c\`, not \`roundRobin\``,
    );
  }
  if (policy === THICK_ROUND_ROBIN && init.p2c) {
    throw new ThickConfigError(
      'p2c',
      `policy "${THICK_ROUND_ROBIN}" takes its settings as \`roundRobin\`, not \`p2c\``,
    );
  }
  if (policy === THICK_P2C || init.p2c) return p2cJson(init.p2c ?? {});
  return roundRobinJson(init.roundRobin ?? {});
}

/** Adds the default retryPolicy for all methods, unless retries are off or the caller has a `{}` entry. */
function withDefaultRetry(methodConfig: object[], retry: RetryOptions | false | undefined): object[] {
  if (retry === false) return methodConfig;
  const names = methodConfig.flatMap((m) => (m as { name?: object[] }).name ?? []);
  if (names.some((n) => Object.keys(n).length === 0)) return methodConfig;
  checkKnownKeys('retry', retry ?? {}, [
    'maxAttempts',
    'initialBackoffMs',
    'maxBackoffMs',
    'backoffMultiplier',
    'retryableStatusCodes',
  ]);
  const r = { ...RETRY_POLICY_DEFAULTS, ...retry };
  const ms = { min: 1, unit: 'ms' };
  const retryPolicy = {
    maxAttempts: checkNumber('retry.maxAttempts', r.maxAttempts, {
      min: 2,
      max: 5,
      integer: true,
      unit: 'grpc-js caps at 5',
    }),
    initialBackoff: formatDuration(checkNumber('retry.initialBackoffMs', r.initialBackoffMs, ms)),
    maxBackoff: formatDuration(checkNumber('retry.maxBackoffMs', r.maxBackoffMs, ms)),
    backoffMultiplier: checkNumber('retry.backoffMultiplier', r.backoffMultiplier, { min: 1 }),
    retryableStatusCodes: [...r.retryableStatusCodes],
  };
  return [...methodConfig, { name: [{}], retryPolicy }];
}

function keepaliveOptions(keepalive: KeepaliveOptions): ChannelOptions {
  checkKnownKeys('keepalive', keepalive, ['timeMs', 'timeoutMs', 'permitWithoutCalls']);
  const { timeMs, timeoutMs, permitWithoutCalls } = { ...KEEPALIVE_DEFAULTS, ...keepalive };
  const ms = { min: 1, integer: true, unit: 'ms' };
  return {
    'grpc.keepalive_time_ms': checkNumber('keepalive.timeMs', timeMs, ms),
    'grpc.keepalive_timeout_ms': checkNumber('keepalive.timeoutMs', timeoutMs, ms),
    'grpc.keepalive_permit_without_calls': checkBoolean('keepalive.permitWithoutCalls', permitWithoutCalls)
      ? 1
      : 0,
  };
}

const INIT_FIELDS = ['policy', 'roundRobin', 'p2c', 'dns', 'serviceConfig', 'retry', 'keepalive'] as const;
