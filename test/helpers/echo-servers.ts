import * as net from 'node:net';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const PROTO = join(__dirname, '..', '..', '..', 'protos', 'echo.proto');

type EchoPackage = {
  grpc_thick_client: { testing: { Echo: grpc.ServiceClientConstructor } };
};

function loadEcho(): EchoPackage {
  const definition = protoLoader.loadSync(PROTO, { keepCase: true });
  return grpc.loadPackageDefinition(definition) as unknown as EchoPackage;
}

export type Behaviour =
  | { kind: 'ok' }
  | { kind: 'fail'; code: grpc.status }
  /** Sends response headers, then fails with `code` and a trailer `x-failed-at` (a committed call). */
  | { kind: 'fail-after-headers'; code: grpc.status }
  | { kind: 'slow'; ms: number };

/**
 * In-process Echo servers on loopback addresses, for fast tests of the grpc-js glue (the cluster
 * bed runs real pod processes). Each sits behind a pass-through TCP proxy that counts connections.
 */
export class EchoServers {
  readonly calls = new Map<string, number>();
  /** Calls that were a retry (grpc-previous-rpc-attempts ≥ 1), per address. */
  readonly retries = new Map<string, number>();
  readonly connections = new Map<string, number>();
  readonly behaviour = new Map<string, Behaviour>();
  /** Every request-metadata key a server received. */
  readonly metadataKeys = new Set<string>();
  private readonly servers = new Map<string, grpc.Server>();
  private readonly proxies = new Map<string, net.Server>();
  private readonly sockets = new Set<net.Socket>();

  /** Starts an Echo server reachable at `address` ("ip:port"). */
  async start(address: string): Promise<void> {
    const [host, port] = splitAddress(address);
    const backendPort = await this.startGrpc(address, `${host}:0`);
    const proxy = net.createServer((socket) => {
      this.connections.set(address, (this.connections.get(address) ?? 0) + 1);
      const upstream = net.connect(backendPort, host);
      // Without it, Nagle and delayed ACKs hold each relayed frame ~40 ms: every pod would look slow.
      socket.setNoDelay(true);
      upstream.setNoDelay(true);
      this.sockets.add(socket).add(upstream);
      const end = () => {
        socket.destroy();
        upstream.destroy();
        this.sockets.delete(socket);
        this.sockets.delete(upstream);
      };
      socket.pipe(upstream).pipe(socket);
      socket.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
    await new Promise<void>((resolve, reject) => proxy.once('error', reject).listen(port, host, resolve));
    this.proxies.set(address, proxy);
  }

  /** Stops the server and drops its connections at once, like a crashed pod. */
  async stop(address: string): Promise<void> {
    this.servers.get(address)?.forceShutdown();
    this.servers.delete(address);
    const proxy = this.proxies.get(address);
    this.proxies.delete(address);
    if (proxy) await new Promise<void>((resolve) => proxy.close(() => resolve()));
  }

  async stopAll(): Promise<void> {
    const closing = [...this.servers.keys()].map((address) => this.stop(address));
    for (const socket of this.sockets) socket.destroy();
    await Promise.all(closing);
  }

  private async startGrpc(address: string, bindTo: string): Promise<number> {
    const server = new grpc.Server();
    const { Echo } = loadEcho().grpc_thick_client.testing;
    server.addService(Echo.service, {
      Echo: (
        call: grpc.ServerUnaryCall<{ message: string }, unknown>,
        callback: grpc.sendUnaryData<unknown>,
      ) => {
        this.calls.set(address, (this.calls.get(address) ?? 0) + 1);
        for (const key of Object.keys(call.metadata.getMap())) this.metadataKeys.add(key);
        if (Number(call.metadata.get('grpc-previous-rpc-attempts')[0] ?? 0) > 0) {
          this.retries.set(address, (this.retries.get(address) ?? 0) + 1);
        }
        const b = this.behaviour.get(address) ?? { kind: 'ok' };
        const answer = { message: call.request.message, pod: address, address };
        if (b.kind === 'fail') callback({ code: b.code, details: `failing on purpose at ${address}` });
        else if (b.kind === 'fail-after-headers') {
          call.sendMetadata(new grpc.Metadata());
          const trailers = new grpc.Metadata();
          trailers.set('x-failed-at', address);
          callback({ code: b.code, details: `failing after headers at ${address}`, metadata: trailers });
        } else if (b.kind === 'slow') setTimeout(() => callback(null, answer), b.ms);
        else callback(null, answer);
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(bindTo, grpc.ServerCredentials.createInsecure(), (error, p) =>
        error ? reject(error) : resolve(p),
      ),
    );
    this.servers.set(address, server);
    return port;
  }
}

export function echoClient(target: string, options: grpc.ChannelOptions): EchoClient {
  const { Echo } = loadEcho().grpc_thick_client.testing;
  return new EchoClient(new Echo(target, grpc.credentials.createInsecure(), options));
}

export class EchoClient {
  constructor(readonly client: grpc.Client) {}

  call(deadlineMs = 2000): Promise<{ pod: string }> {
    return new Promise((resolve, reject) => {
      const echo = (this.client as unknown as Record<string, (...args: unknown[]) => void>).Echo!;
      echo.call(
        this.client,
        { message: 'hi' },
        { deadline: Date.now() + deadlineMs },
        (error: grpc.ServiceError | null, res: { pod: string }) => (error ? reject(error) : resolve(res)),
      );
    });
  }

  /** Makes n calls one after another and counts answers per pod (errors as "ERR:<code>"). */
  async count(n: number, deadlineMs = 2000): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      let key: string;
      try {
        key = (await this.call(deadlineMs)).pod;
      } catch (error) {
        key = `ERR:${grpc.status[(error as grpc.ServiceError).code]}`;
      }
      out[key] = (out[key] ?? 0) + 1;
    }
    return out;
  }

  close(): void {
    this.client.close();
  }
}

function splitAddress(address: string): [string, number] {
  const colon = address.lastIndexOf(':');
  return [address.slice(0, colon), Number(address.slice(colon + 1))];
}
