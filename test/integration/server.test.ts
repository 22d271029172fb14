import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { register, thickChannelOptions } from '../../lib/index.js';
import { gracefulShutdown, HealthService, recommendedServerOptions } from '../../lib/server.js';
import { InProcessDnsServer } from '../../lib/testing/dns/inprocess-server.js';
import { echoClient } from '../helpers/echo-servers.js';
import { sleep } from '../helpers/wait.js';

const PORT = 45000 + (process.pid % 5000);
const BLOCK = `127.1.${10 + (process.pid % 200)}`;
const NAME = 'graceful.default.svc.cluster.local';
const echo = (
  grpc.loadPackageDefinition(
    protoLoader.loadSync(join(__dirname, '..', '..', '..', 'protos', 'echo.proto')),
  ) as unknown as {
    grpc_thick_client: { testing: { Echo: grpc.ServiceClientConstructor } };
  }
).grpc_thick_client.testing.Echo;

let dns: InProcessDnsServer;

async function startServer(
  host: string,
  delayMs: () => number,
): Promise<{ server: grpc.Server; health: HealthService }> {
  const server = new grpc.Server(recommendedServerOptions());
  const health = new HealthService();
  health.addTo(server);
  server.addService(echo.service, {
    Echo: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      setTimeout(() => callback(null, { pod: host, address: host, message: '' }), delayMs());
    },
  });
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`${host}:${PORT}`, grpc.ServerCredentials.createInsecure(), (e) =>
      e ? reject(e) : resolve(),
    ),
  );
  return { server, health };
}

before(async () => {
  register();
  dns = await InProcessDnsServer.start();
});
after(async () => {
  await dns?.close();
});

describe('graceful shutdown of a server (lib/server)', () => {
  it('loses no call: NOT_SERVING, keeps serving through the drain delay, GOAWAY, calls in flight finish', async () => {
    const a = `${BLOCK}.1`;
    const b = `${BLOCK}.2`;
    let slowA = 0;
    const first = await startServer(a, () => slowA);
    const second = await startServer(b, () => 0);
    await dns.publish([a, b].map((address) => ({ type: 'A' as const, name: NAME, address })));
    const client = echoClient(
      `dns-poll://${dns.address}/${NAME}:${PORT}`,
      // No retries: a call the shutdown cut would show as a failure.
      thickChannelOptions({ dns: { pollIntervalMs: 300 }, roundRobin: { healthCheck: true }, retry: false }),
    );
    try {
      await client.call(3000);
      await sleep(300);
      let stop = false;
      const failures: string[] = [];
      const served: Record<string, number> = {};
      const traffic = (async () => {
        while (!stop) {
          await client.call(2000).then(
            (r) => {
              served[r.pod] = (served[r.pod] ?? 0) + 1;
            },
            (e: grpc.ServiceError) => failures.push(`${e.code} ${e.details}`),
          );
        }
      })();
      slowA = 800;
      const inFlight = (async () => {
        for (let i = 0; i < 4; i++)
          await client.call(5000).catch((e: grpc.ServiceError) => failures.push(e.details));
      })();
      await sleep(50);
      const shutdown = gracefulShutdown(first.server, {
        health: first.health,
        drainDelayMs: 500,
        gracePeriodMs: 3000,
        signals: [],
      });
      await dns.publish([{ type: 'A', name: NAME, address: b }]); // as Kubernetes: DNS removal with SIGTERM
      await shutdown.shutdown();
      await inFlight;
      await sleep(300);
      stop = true;
      await traffic;
      assert.deepEqual(failures, []);
      assert.ok((served[b] ?? 0) > 0);
    } finally {
      client.close();
      second.server.forceShutdown();
      first.server.forceShutdown();
    }
  });

  it('refuses to wire the same server twice, and starts on its signals', async () => {
    const server = new grpc.Server();
    const wiring = gracefulShutdown(server, {
      drainDelayMs: 0,
      gracePeriodMs: 100,
      signals: ['SIGUSR2'],
      exitOnSignal: false,
    });
    try {
      assert.throws(() => gracefulShutdown(server), /already called for this server/);
      let down = false;
      const done = wiring.shutdown().then(() => {
        down = true;
      });
      process.emit('SIGUSR2', 'SIGUSR2');
      await done;
      assert.ok(down);
    } finally {
      wiring.dispose();
    }
  });
});

describe('HealthService', () => {
  it('answers Check and streams Watch changes', async () => {
    const host = `${BLOCK}.3`;
    const { server, health } = await startServer(host, () => 0);
    const client = new grpc.Client(`${host}:${PORT}`, grpc.credentials.createInsecure());
    try {
      const { healthServiceDefinition } = await import('../../lib/server/health.js');
      const check = (service: string) =>
        new Promise<number | string>((resolve) =>
          client.makeUnaryRequest(
            healthServiceDefinition.Check!.path,
            healthServiceDefinition.Check!.requestSerialize,
            healthServiceDefinition.Check!.responseDeserialize as (b: Buffer) => { status: number },
            { service },
            (e, r) => resolve(e ? `error ${e.code}` : (r?.status ?? -1)),
          ),
        );
      assert.equal(await check(''), 1);
      assert.equal(await check('nope'), `error ${grpc.status.NOT_FOUND}`);
      const seen: number[] = [];
      const watch = client.makeServerStreamRequest(
        healthServiceDefinition.Watch!.path,
        healthServiceDefinition.Watch!.requestSerialize,
        healthServiceDefinition.Watch!.responseDeserialize as (b: Buffer) => { status: number },
        { service: '' },
      );
      watch.on('data', (s: { status: number }) => seen.push(s.status));
      watch.on('error', () => {});
      await sleep(100);
      health.set('', false);
      await sleep(100);
      health.set('', true);
      await sleep(100);
      watch.cancel();
      assert.deepEqual(seen, [1, 2, 1]);
    } finally {
      client.close();
      server.forceShutdown();
    }
  });
});
