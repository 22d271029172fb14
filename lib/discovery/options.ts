import { type AddressFamily, OPTION_PREFIX, RESOLVER_DEFAULTS } from '../config/defaults.js';
import { ThickConfigError } from '../config/errors.js';
import { checkBoolean, checkEnum, checkNumber, checkString } from '../config/fields.js';

/** The resolver's settings, parsed once from channel options, validated and frozen. */
export interface ResolverOptions {
  readonly pollIntervalMs: number;
  readonly pollJitter: number;
  readonly respectTtl: boolean;
  readonly minResolutionIntervalMs: number;
  readonly maxStalenessMs: number;
  readonly addressFamily: AddressFamily;
  readonly dnsTimeoutMs: number;
  readonly dnsTries: number;
  readonly resolvConfPath: string;
}

const ONE_DAY_MS = 86_400_000;
const MIN_INTERVAL_MS = 100;
const MAX_JITTER = 0.5;
const MAX_TRIES = 10;

/** Channel option name (after the prefix) → how to read it. The docs' option table lists the same keys. */
const OPTIONS: Readonly<
  Record<string, { field: keyof ResolverOptions; read: (name: string, value: unknown) => unknown }>
> = {
  poll_interval_ms: {
    field: 'pollIntervalMs',
    read: (n, v) => checkNumber(n, v, { min: MIN_INTERVAL_MS, max: ONE_DAY_MS, integer: true, unit: 'ms' }),
  },
  poll_jitter: { field: 'pollJitter', read: (n, v) => checkNumber(n, v, { min: 0, max: MAX_JITTER }) },
  respect_ttl: { field: 'respectTtl', read: checkBoolean },
  min_resolution_interval_ms: {
    field: 'minResolutionIntervalMs',
    read: (n, v) => checkNumber(n, v, { min: MIN_INTERVAL_MS, max: ONE_DAY_MS, integer: true, unit: 'ms' }),
  },
  max_staleness_ms: {
    field: 'maxStalenessMs',
    read: (n, v) => checkNumber(n, v, { min: 0, integer: true, unit: 'ms, 0 = never drop' }),
  },
  address_family: {
    field: 'addressFamily',
    read: (n, v) => checkEnum(n, v, ['any', 'ipv4', 'ipv6'] as const),
  },
  dns_timeout_ms: {
    field: 'dnsTimeoutMs',
    read: (n, v) => checkNumber(n, v, { min: 1, max: ONE_DAY_MS, integer: true, unit: 'ms' }),
  },
  dns_tries: {
    field: 'dnsTries',
    read: (n, v) => checkNumber(n, v, { min: 1, max: MAX_TRIES, integer: true }),
  },
  resolv_conf: { field: 'resolvConfPath', read: checkString },
};

export const RESOLVER_OPTION_NAMES: readonly string[] = Object.keys(OPTIONS).map((k) => OPTION_PREFIX + k);

/** Maps a ResolverOptions field to its channel option name, for helpers that build options. */
export const RESOLVER_OPTION_FOR_FIELD: Readonly<Record<keyof ResolverOptions, string>> = Object.freeze(
  Object.fromEntries(Object.entries(OPTIONS).map(([k, o]) => [o.field, OPTION_PREFIX + k])) as Record<
    keyof ResolverOptions,
    string
  >,
);

/** Validates one option on its own (no cross-field rules), throwing a ThickConfigError naming `label`. */
export function checkResolverOption(field: keyof ResolverOptions, value: unknown, label: string): void {
  const spec = Object.values(OPTIONS).find((o) => o.field === field);
  if (!spec) throw new ThickConfigError(label, `unknown field "${label}"`);
  spec.read(label, value);
}

export function parseResolverOptions(channelOptions: Readonly<Record<string, unknown>>): ResolverOptions {
  const parsed: Record<string, unknown> = { ...RESOLVER_DEFAULTS };
  for (const [name, value] of Object.entries(channelOptions)) {
    if (!name.startsWith(OPTION_PREFIX) || value === undefined) continue;
    const spec = OPTIONS[name.slice(OPTION_PREFIX.length)];
    if (!spec) {
      throw new ThickConfigError(
        name,
        `unknown channel option "${name}"; known options: ${RESOLVER_OPTION_NAMES.join(', ')}`,
      );
    }
    parsed[spec.field] = spec.read(name, value);
  }
  if (channelOptions[RESOLVER_OPTION_FOR_FIELD.minResolutionIntervalMs] === undefined) {
    // The default floor follows a faster poll interval down rather than contradicting it.
    parsed.minResolutionIntervalMs = Math.min(
      RESOLVER_DEFAULTS.minResolutionIntervalMs,
      parsed.pollIntervalMs as number,
    );
  }
  const options = parsed as unknown as ResolverOptions;
  if (options.minResolutionIntervalMs > options.pollIntervalMs) {
    throw new ThickConfigError(
      `${OPTION_PREFIX}min_resolution_interval_ms`,
      `${OPTION_PREFIX}min_resolution_interval_ms (${options.minResolutionIntervalMs}) must not exceed ${OPTION_PREFIX}poll_interval_ms (${options.pollIntervalMs})`,
    );
  }
  if (options.maxStalenessMs > 0 && options.maxStalenessMs < options.pollIntervalMs) {
    throw new ThickConfigError(
      `${OPTION_PREFIX}max_staleness_ms`,
      `${OPTION_PREFIX}max_staleness_ms (${options.maxStalenessMs}) must be 0 (never) or at least ${OPTION_PREFIX}poll_interval_ms (${options.pollIntervalMs}), or one failed poll would drop every endpoint`,
    );
  }
  return Object.freeze(options);
}
