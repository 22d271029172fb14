// Entry point of one "pod": a grpc-js server on its own loopback address, serving Echo and
// grpc.health.v1.Health, steered by its parent over the fork() IPC channel.
import * as grpc from '@grpc/grpc-js';
import { gracefulShutdown } from '../../server/graceful.js';
import { HealthService } from '../../server/health.js';
import { loadTestingProtos, PROTO_DEFAULTS } from '../protos.js';
import {
  hostPort,
  type ParentMessage,
  POD_CONFIG_ENV,
  type PodConfig,
  type PodMessage,
  type PodMode,
} from './protocol.js';

interface EchoRequest {
  message?: string;
}
interface EchoResponse {
  message: string;
  pod: string;
  address: string;
}

/** Longer than any bed grace period: the harness's SIGKILL ends a pod that overstays. */
const POD_SHUTDOWN_GRACE_MS = 600_000;

function send(message: PodMessage): void {
  if (process.connected) process.send?.(message);
}

function fatal(message: string): never {
  process.stderr.write(`${message}\n`);
  send({ type: 'fatal', message });
  process.exit(1);
}

function readConfig(): PodConfig {
  const raw = process.env[POD_CONFIG_ENV];
  if (!raw) fatal(`${POD_CONFIG_ENV} is not set: this module is started by the local cluster bed`);
  return JSON.parse(raw) as PodConfig;
}

function statusName(code: number): string {
  return grpc.status[code] ?? String(code);
}

function main(): void {
  const config = readConfig();
  const address = hostPort(config.ip, config.port);
  let mode: PodMode = config.mode;
  let total = 0;
  let retries = 0;
  let inFlight = 0;
  let lastCallAt: number | null = null;
  const byOutcome: Record<string, number> = {};
  // The same health service users get from grpc-thick-client/server.
  const health = new HealthService(
    ['', PROTO_DEFAULTS.echoServiceName],
    config.startupDelayMs > 0 ? false : config.serving,
  );
  let wantServing = config.serving;
  let draining = false;

  const finish = (outcome: string): void => {
    inFlight--;
    byOutcome[outcome] = (byOutcome[outcome] ?? 0) + 1;
  };

  const echo = (
    call: grpc.ServerUnaryCall<EchoRequest, EchoResponse>,
    callback: grpc.sendUnaryData<EchoResponse>,
  ) => {
    total++;
    inFlight++;
    if (Number(call.metadata.get('grpc-previous-rpc-attempts')[0] ?? 0) > 0) retries++;
    lastCallAt = Date.now();
    const response = { message: call.request.message ?? '', pod: config.name, address };
    const current = mode;
    if (current.kind === 'ok') {
      finish('OK');
      callback(null, response);
    } else if (current.kind === 'failing') {
      const code = current.code ?? grpc.status.UNAVAILABLE;
      finish(statusName(code));
      callback({ code, details: current.message ?? `${config.name}: failing mode` });
    } else {
      let done = false;
      const timer = setTimeout(() => {
        done = true;
        finish('OK');
        callback(null, response);
      }, current.delayMs);
      call.on('cancelled', () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        finish('CANCELLED');
      });
    }
  };

  const stats = () => ({
    total,
    byOutcome: { ...byOutcome },
    inFlight,
    lastCallAt,
    healthChecks: health.checks,
    retries,
    healthWatches: { open: health.openWatches, opened: health.watchesOpened },
    serving: health.isServing(),
    mode,
  });

  const protos = loadTestingProtos();
  const server = new grpc.Server({ ...config.serverOptions });
  const echoStream = (
    call: grpc.ServerWritableStream<{ count?: number; interval_ms?: number }, EchoResponse>,
  ) => {
    const count = call.request.count ?? 0;
    let sent = 0;
    const timer = setInterval(() => {
      if (sent >= count) {
        clearInterval(timer);
        call.end();
        return;
      }
      sent++;
      call.write({ message: String(sent), pod: config.name, address });
    }, call.request.interval_ms ?? 0);
    call.on('cancelled', () => clearInterval(timer));
  };
  server.addService(protos.echoService, { Echo: echo, EchoStream: echoStream });
  health.addTo(server);

  process.on('message', (message: ParentMessage) => {
    if (message.type === 'setMode') mode = message.mode;
    if (message.type === 'setHealth') {
      wantServing = message.serving;
      if (!draining) health.setAll(message.serving);
    }
    send({ type: 'reply', id: message.id, stats: stats() });
  });
  // The harness went away (test crashed or was killed): do not outlive it.
  process.on('disconnect', () => process.exit(0));

  if (config.onSigterm === 'graceful') {
    process.on('SIGTERM', () => {
      if (draining) return;
      draining = true;
      send({ type: 'draining' });
    });
    // The same helper users wire into their servers; the bed SIGKILLs at the grace period anyway.
    gracefulShutdown(server, {
      health,
      drainDelayMs: config.drainDelayMs,
      gracePeriodMs: POD_SHUTDOWN_GRACE_MS,
      signals: ['SIGTERM'],
    });
  }

  server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error) => {
    if (error) fatal(`${config.name}: cannot listen on ${address}: ${error.message}`);
    send({ type: 'listening', address });
    if (config.startupDelayMs > 0) {
      setTimeout(() => {
        if (!draining) health.setAll(wantServing);
      }, config.startupDelayMs);
    }
  });
}

main();
