/**
 * Which grpc-js retryPolicy applies to a method, read from the same service config grpc-js reads
 * and matched the way grpc-js matches it (gRFC A6/service config: exact service and method, then
 * the service alone, then the empty name). Pure; used to know the back-off grpc-js will wait.
 */
export interface RetryBackoff {
  readonly maxAttempts: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly backoffMultiplier: number;
  /** Upper-case names ("UNAVAILABLE") and numbers, as the service config may give either. */
  readonly retryableCodes: readonly (string | number)[];
}

type Name = { service?: unknown; method?: unknown };
type MethodConfigEntry = { name?: Name[]; retryPolicy?: Record<string, unknown> };

const MS_PER_SECOND = 1000;
/** As grpc-js's own method-config cache: a client calls a bounded set of methods. */
const MAX_CACHED_PATHS = 100;

/** grpc-js's durations are "<seconds>s" strings; anything else means grpc-js rejected the config. */
function durationMs(value: unknown): number | null {
  if (typeof value !== 'string' || !value.endsWith('s')) return null;
  const seconds = Number(value.slice(0, -1));
  return Number.isFinite(seconds) && seconds > 0 ? seconds * MS_PER_SECOND : null;
}

function parseRetryPolicy(policy: Record<string, unknown> | undefined): RetryBackoff | null {
  if (!policy) return null;
  const initialBackoffMs = durationMs(policy.initialBackoff);
  const maxBackoffMs = durationMs(policy.maxBackoff);
  const { maxAttempts, backoffMultiplier, retryableStatusCodes } = policy;
  if (
    initialBackoffMs === null ||
    maxBackoffMs === null ||
    typeof maxAttempts !== 'number' ||
    typeof backoffMultiplier !== 'number' ||
    !Array.isArray(retryableStatusCodes)
  ) {
    return null;
  }
  return Object.freeze({
    maxAttempts,
    initialBackoffMs,
    maxBackoffMs,
    backoffMultiplier,
    retryableCodes: Object.freeze(
      retryableStatusCodes.map((c: unknown) => (typeof c === 'string' ? c.toUpperCase() : Number(c))),
    ),
  });
}

export class MethodRetryPolicies {
  private readonly cache = new Map<string, RetryBackoff | null>();

  private constructor(private readonly entries: readonly MethodConfigEntry[]) {}

  /** From a service config (JSON text or parsed); one grpc-js would reject yields no policies. */
  static fromServiceConfig(serviceConfig: string | object): MethodRetryPolicies {
    let parsed: unknown = serviceConfig;
    if (typeof serviceConfig === 'string') {
      try {
        parsed = JSON.parse(serviceConfig);
      } catch {
        parsed = {};
      }
    }
    const methodConfig = (parsed as { methodConfig?: unknown }).methodConfig;
    return new MethodRetryPolicies(Array.isArray(methodConfig) ? (methodConfig as MethodConfigEntry[]) : []);
  }

  /** The retry policy for "/package.Service/Method", or null when the method is not retried. */
  forPath(path: string): RetryBackoff | null {
    let found = this.cache.get(path);
    if (found !== undefined) return found;
    const [service = '', method = ''] = path.split('/').filter((part) => part.length > 0);
    const levels: ((n: Name) => boolean)[] = [
      (n) => n.service === service && n.method === method,
      (n) => n.service === service && (n.method === undefined || n.method === ''),
      (n) => (n.service === undefined || n.service === '') && (n.method === undefined || n.method === ''),
    ];
    found = null;
    for (const matches of levels) {
      const entry = this.entries.find((e) => (e.name ?? []).some(matches));
      if (entry) {
        found = parseRetryPolicy(entry.retryPolicy);
        break;
      }
    }
    if (this.cache.size < MAX_CACHED_PATHS) this.cache.set(path, found);
    return found;
  }
}
