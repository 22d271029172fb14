// Messages between the harness and a pod process (child_process.fork IPC), plus the pod's config.

/** How the pod answers Echo calls. */
export type PodMode =
  | { readonly kind: 'ok' }
  /** Every call fails with `code` (default UNAVAILABLE). */
  | { readonly kind: 'failing'; readonly code?: number; readonly message?: string }
  /** Every call is answered after `delayMs` (calls cancelled meanwhile count as CANCELLED). */
  | { readonly kind: 'slow'; readonly delayMs: number };

/**
 * On SIGTERM: 'graceful' sets health NOT_SERVING, ends health watches and calls
 * server.tryShutdown() (GOAWAY, in-flight calls finish), then exits 0; 'exit' installs no handler,
 * so the process dies of the signal like a Node app that does not handle it.
 */
export type SigtermBehaviour = 'graceful' | 'exit';

export interface PodConfig {
  readonly name: string;
  readonly ip: string;
  readonly port: number;
  readonly version: string;
  readonly mode: PodMode;
  readonly serving: boolean;
  readonly onSigterm: SigtermBehaviour;
  /** 'graceful': keep serving this long after SIGTERM before GOAWAY (0: tryShutdown at once). */
  readonly drainDelayMs: number;
  /** Health reports NOT_SERVING for this long after bind (a slow-starting app). */
  readonly startupDelayMs: number;
  readonly serverOptions: Readonly<Record<string, string | number>>;
}

export interface PodStats {
  /** Echo calls received. Health checks are counted apart. */
  readonly total: number;
  /** Finished Echo calls by outcome: 'OK' or a grpc status name ('UNAVAILABLE', 'CANCELLED', ...). */
  readonly byOutcome: Readonly<Record<string, number>>;
  readonly inFlight: number;
  /** Date.now() in the pod when the last Echo call arrived; null before the first. */
  readonly lastCallAt: number | null;
  readonly healthChecks: number;
  /** Echo calls that were retries (grpc-previous-rpc-attempts ≥ 1). */
  readonly retries: number;
  /** grpc.health.v1.Health/Watch streams open now, and opened since the pod started. */
  readonly healthWatches: { readonly open: number; readonly opened: number };
  readonly serving: boolean;
  readonly mode: PodMode;
}

export type ParentMessage =
  | { readonly type: 'setMode'; readonly id: number; readonly mode: PodMode }
  | { readonly type: 'setHealth'; readonly id: number; readonly serving: boolean }
  | { readonly type: 'stats'; readonly id: number };

export type PodMessage =
  | { readonly type: 'listening'; readonly address: string }
  | { readonly type: 'fatal'; readonly message: string }
  | { readonly type: 'reply'; readonly id: number; readonly stats: PodStats }
  | { readonly type: 'draining' };

export const POD_CONFIG_ENV = 'GRPC_THICK_TESTBED_POD';

export function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** A grpc-js target that skips name resolution. */
export function directTarget(ip: string, port: number): string {
  return `${ip.includes(':') ? 'ipv6' : 'ipv4'}:///${hostPort(ip, port)}`;
}
