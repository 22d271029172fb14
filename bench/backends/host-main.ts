// Entry point of one backend host: a grpc-js server answering Echo on many loopback addresses.
// Each address gets its own TCP listener, whose sockets are handed to the one grpc-js server
// (createConnectionInjector), so the host counts every connect and close per address and a
// thousand endpoints cost a few processes rather than a thousand.
import * as net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { loadTestingProtos } from '../../lib/testing/protos.js';
import { HOST_CONFIG_ENV, type HostConfig, type HostMessage, type HostRequest } from './protocol.js';

function send(message: HostMessage): void {
  if (process.connected) process.send?.(message);
}

function listen(server: net.Server, ip: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: ip, port, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env[HOST_CONFIG_ENV] ?? 'null') as HostConfig | null;
  if (!config) throw new Error(`${HOST_CONFIG_ENV} is not set: this module is started by the bench`);
  const connects: Record<string, number> = {};
  const closes: Record<string, number> = {};
  const server = new grpc.Server();
  server.addService(loadTestingProtos().echoService, {
    Echo: (
      call: grpc.ServerUnaryCall<{ message?: string }, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) => callback(null, { message: call.request.message ?? '', pod: config.name, address: '' }),
  });
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  for (const ip of config.ips) {
    connects[ip] = 0;
    closes[ip] = 0;
    const listener = net.createServer((socket) => {
      connects[ip]!++;
      socket.once('close', () => closes[ip]!++);
      injector.injectConnection(socket);
    });
    await listen(listener, ip, config.port);
  }
  process.on('message', (message: HostRequest) => {
    if (message.type === 'stats') send({ type: 'stats', id: message.id, counts: { connects, closes } });
  });
  // The bench went away: do not outlive it.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'listening' });
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  send({ type: 'fatal', message, addressInUse: (error as NodeJS.ErrnoException).code === 'EADDRINUSE' });
  process.stderr.write(`${message}\n`);
  process.exitCode = 1;
  process.disconnect?.();
});
