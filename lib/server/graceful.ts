import type * as grpc from '@grpc/grpc-js';
import { SERVER_OPTION_DEFAULTS, SHUTDOWN_DEFAULTS } from '../config/defaults.js';
import { ThickConfigError } from '../config/errors.js';
import { checkNumber } from '../config/fields.js';
/** What the shutdown needs of a health service (HealthService has it). */
export interface ShutdownHealth {
  setAll(serving: boolean): void;
  endWatches(): void;
}

export interface GracefulShutdownOptions {
  /** Set to NOT_SERVING when shutdown starts; grpc-thick-client clients watching it stop at once. */
  health?: ShutdownHealth;
  /** Keep serving this long after the signal, so clients notice (DNS poll, health watch). Default 10 000. */
  drainDelayMs?: number;
  /** After GOAWAY, calls in flight get this long before the server is forced down. Default 15 000. */
  gracePeriodMs?: number;
  /** Signals that start the shutdown; [] installs no handler (call shutdown() yourself). */
  signals?: readonly NodeJS.Signals[];
  /** Exit the process (code 0) once the server is down, when a signal started it. Default true. */
  exitOnSignal?: boolean;
  log?: (line: string) => void;
}

export interface GracefulShutdown {
  /** Starts the shutdown (idempotent); resolves when the server is down. */
  shutdown(): Promise<void>;
  /** Removes the signal handlers. */
  dispose(): void;
}

const wired = new WeakSet<grpc.Server>();

/**
 * Wires a grpc-js Server for Kubernetes. On SIGTERM (or shutdown()): health → NOT_SERVING, keep
 * serving for the drain delay so clients stop sending, then stop accepting streams (clients get
 * GOAWAY and drain the connection), let calls in flight finish within the grace period, then force.
 * Refuses to wire the same server twice.
 */
export function gracefulShutdown(
  server: grpc.Server,
  options: GracefulShutdownOptions = {},
): GracefulShutdown {
  if (wired.has(server)) {
    throw new ThickConfigError(
      'server',
      'gracefulShutdown() was already called for this server: one set of signal handlers only',
    );
  }
  const drainDelayMs = checkNumber('drainDelayMs', options.drainDelayMs ?? SHUTDOWN_DEFAULTS.drainDelayMs, {
    min: 0,
    unit: 'ms',
  });
  const gracePeriodMs = checkNumber(
    'gracePeriodMs',
    options.gracePeriodMs ?? SHUTDOWN_DEFAULTS.gracePeriodMs,
    { min: 0, unit: 'ms' },
  );
  const signals = options.signals ?? SHUTDOWN_DEFAULTS.signals;
  const log = options.log ?? (() => {});
  wired.add(server);
  let done: Promise<void> | undefined;

  const shutdown = (): Promise<void> => {
    done ??= (async () => {
      log(`shutting down: NOT_SERVING, serving ${drainDelayMs} ms more, then GOAWAY`);
      options.health?.setAll(false);
      await sleep(drainDelayMs);
      options.health?.endWatches();
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          log(`grace period of ${gracePeriodMs} ms over: forcing the remaining calls down`);
          server.forceShutdown();
          resolve();
        }, gracePeriodMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      log('server down');
    })();
    return done;
  };

  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal} received`);
    void shutdown().then(() => {
      if (options.exitOnSignal ?? true) process.exit(0);
    });
  };
  for (const signal of signals) process.on(signal, onSignal);

  return {
    shutdown,
    dispose() {
      for (const signal of signals) process.off(signal, onSignal);
    },
  };
}

/**
 * Server options that suit thick clients: connections recycled every few minutes (so clients
 * without this SDK rebalance too), with a grace period for calls in flight, and server keepalive.
 */
export function recommendedServerOptions(): grpc.ServerOptions {
  const d = SERVER_OPTION_DEFAULTS;
  return {
    'grpc.max_connection_age_ms': d.maxConnectionAgeMs,
    'grpc.max_connection_age_grace_ms': d.maxConnectionAgeGraceMs,
    'grpc.keepalive_time_ms': d.keepaliveTimeMs,
    'grpc.keepalive_timeout_ms': d.keepaliveTimeoutMs,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
