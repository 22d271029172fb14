// A kubelet-style readinessProbe: grpc.health.v1.Health/Check until SERVING.
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { loadTestingProtos } from '../protos.js';

export const READINESS_DEFAULTS = Object.freeze({
  periodMs: 100,
  probeTimeoutMs: 1000,
  /** Give up on a pod that never gets ready. */
  startTimeoutMs: 15_000,
});

export interface ReadinessOptions {
  readonly periodMs?: number;
  readonly probeTimeoutMs?: number;
  readonly startTimeoutMs?: number;
  /** Returns a reason to stop waiting (pod deleted, exited), or undefined to keep probing. */
  readonly abandoned?: () => string | undefined;
}

interface HealthClient extends grpc.Client {
  Check(
    request: { service: string },
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, response?: { status: string }) => void,
  ): grpc.ClientUnaryCall;
}

function check(client: HealthClient, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    client.Check({ service: '' }, { deadline: Date.now() + timeoutMs }, (error, response) => {
      resolve(
        error ? `error ${grpc.status[error.code] ?? error.code}: ${error.details}` : String(response?.status),
      );
    });
  });
}

export async function waitUntilServing(target: string, options: ReadinessOptions = {}): Promise<void> {
  const periodMs = options.periodMs ?? READINESS_DEFAULTS.periodMs;
  const probeTimeoutMs = options.probeTimeoutMs ?? READINESS_DEFAULTS.probeTimeoutMs;
  const deadline = Date.now() + (options.startTimeoutMs ?? READINESS_DEFAULTS.startTimeoutMs);
  const { HealthClient: Ctor } = loadTestingProtos();
  const client = new Ctor(target, grpc.credentials.createInsecure(), {
    // Reconnect at the probe period, not after grpc-js' default 1 s backoff.
    'grpc.initial_reconnect_backoff_ms': periodMs,
    'grpc.max_reconnect_backoff_ms': periodMs,
  }) as unknown as HealthClient;
  let last = 'no probe yet';
  try {
    for (;;) {
      const reason = options.abandoned?.();
      if (reason) throw new Error(`readiness abandoned: ${reason}`);
      last = await check(client, probeTimeoutMs);
      if (last === 'SERVING') return;
      if (Date.now() > deadline)
        throw new Error(
          `not ready after ${options.startTimeoutMs ?? READINESS_DEFAULTS.startTimeoutMs} ms (last probe: ${last})`,
        );
      await sleep(periodMs);
    }
  } finally {
    client.close();
  }
}
