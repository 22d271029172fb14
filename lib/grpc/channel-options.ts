import { type AddressFamily, KEEPALIVE_DEFAULTS, RETRY_POLICY_DEFAULTS } from '../config/defaults.js';
import { ThickConfigError } from '../config/errors.js';
import { checkBoolean, checkKnownKeys, checkNumber, formatDuration } from '../config/fields.js';
import { THICK_ROUND_ROBIN } from '../config/policy.js';
import { roundRobinJson, type ThickRoundRobinOptions } from '../config/policy-options.js';
import {
  checkResolverOption,
  parseResolverOptions,
  RESOLVER_OPTION_FOR_FIELD,
  type ResolverOptions,
} from '../discovery/options.js';
import type { ChannelOptions, Interceptor } from './adapter.js';
import { register } from './register.js';
import { retryDeadlineInterceptor } from './retry-deadline.js';
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
  /** The policy; `thick_round_robin` is the only one so far. */
  policy?: typeof THICK_ROUND_ROBIN;
  roundRobin?: ThickRoundRobinOptions;
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

export type { ThickRoundRobinOptions };

/**
 * Options for a grpc-js client constructor (`new Client(target, credentials, options)`), which
 * takes `interceptors` beside channel options.
 */
export type ThickChannelOptions = ChannelOptions & {
  'grpc.service_config': string;
  /** Ends a call at once with its error when its deadline is shorter than the next retry back-off. */
  interceptors?: Interceptor[];
};

/**
 * Builds the channel options that select our policy, validated now: a bad value throws a
 * ThickConfigError naming the field, where a raw service-config string would silently fall back to
 * pick_first. Only the settings you pass are written; the rest keep their documented defaults.
 */
export function thickChannelOptions(init: ThickChannelOptionsInit = {}): ThickChannelOptions {
  // Using the helper means using our resolver and policy: make sure they are registered.
  register();
  checkKnownKeys('thickChannelOptions()', init, INIT_FIELDS);
  const policy = init.policy ?? THICK_ROUND_ROBIN;
  if (policy !== THICK_ROUND_ROBIN) {
    throw new ThickConfigError(
      'policy',
      `policy must be "${THICK_ROUND_ROBIN}", got ${JSON.stringify(policy)}`,
    );
  }
  const policyConfig = roundRobinJson(init.roundRobin ?? {});
  const extra = init.serviceConfig ?? {};
  for (const key of ['loadBalancingConfig', 'loadBalancingPolicy']) {
    if (key in extra) {
      throw new ThickConfigError(
        `serviceConfig.${key}`,
        `serviceConfig.${key} is not allowed: the helper writes loadBalancingConfig from \`policy\` and \`roundRobin\``,
      );
    }
  }
  const methodConfig = withDefaultRetry(extra.methodConfig ?? [], init.retry);
  const serviceConfig = JSON.stringify({
    ...extra,
    ...(methodConfig.length > 0 ? { methodConfig } : {}),
    loadBalancingConfig: [{ [policy]: policyConfig }],
  });
  const options: ThickChannelOptions = { 'grpc.service_config': serviceConfig };
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
  if (methodConfig.some((m) => 'retryPolicy' in m)) {
    options.interceptors = [retryDeadlineInterceptor(serviceConfig)];
  }
  return options;
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

const INIT_FIELDS = ['policy', 'roundRobin', 'dns', 'serviceConfig', 'retry', 'keepalive'] as const;
