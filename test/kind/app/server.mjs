// The kind suite's example server, written as a user writes one: a grpc-js server wired for
// Kubernetes with grpc-thick-client/server. It serves the bed's Echo service (answering with its
// pod name, from the downward API) and grpc.health.v1 for the readiness probe.
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { gracefulShutdown, HealthService, recommendedServerOptions } from 'grpc-thick-client/server';
import { findProtosDir } from 'grpc-thick-client/testing';

const ECHO_SERVICE = 'grpc_thick_client.testing.Echo';
const pod = process.env.POD_NAME ?? 'echo';
const host = process.env.HOST ?? '0.0.0.0';
const port = Number(process.env.PORT ?? 50051);
// Unset: the helper's default. A preStop sleep sized by the docs' formula already does the waiting.
const drainDelayMs =
  process.env.DRAIN_DELAY_MS === undefined ? undefined : Number(process.env.DRAIN_DELAY_MS);

const protos = findProtosDir();
const definition = protoLoader.loadSync(join(protos, 'echo.proto'), { keepCase: true, defaults: true });
const { Echo } = grpc.loadPackageDefinition(definition).grpc_thick_client.testing;

const server = new grpc.Server(recommendedServerOptions());
const address = `${host}:${port}`;
server.addService(Echo.service, {
  Echo: (call, callback) => callback(null, { message: call.request.message, pod, address }),
  EchoStream: (call) => {
    let sent = 0;
    const timer = setInterval(() => {
      if (sent >= call.request.count) {
        clearInterval(timer);
        call.end();
        return;
      }
      sent++;
      call.write({ message: String(sent), pod, address });
    }, call.request.interval_ms);
    call.on('cancelled', () => clearInterval(timer));
  },
});
const health = new HealthService(['', ECHO_SERVICE]);
health.addTo(server);
gracefulShutdown(server, { health, ...(drainDelayMs === undefined ? {} : { drainDelayMs }) });

server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, bound) => {
  if (error) {
    console.error(`${pod}: cannot listen on ${address}: ${error.message}`);
    process.exit(1);
  }
  console.log(`${pod}: serving on ${host}:${bound}`);
});
