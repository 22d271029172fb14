// The gRPC half of `inspect`: one endpoint at a time, a TCP connect (for the exact socket error),
// an HTTP/2 connection through grpc-js, grpc.health.v1.Health/Check and a few timed calls with
// raw bytes, so no proto is needed.
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';
import { decodeHealthStatus, encodeHealthRequest, SERVING_STATUS } from '../../common/health-proto.js';
import type { ResolvedEndpoint } from './resolve.js';

export interface ProbeSettings {
  /** Deadline of the connection, of the health check and of each call. */
  readonly timeoutMs: number;
  readonly healthService: string;
  /** "/pkg.Service/Method", called with an empty message; null: no calls. */
  readonly call: string | null;
  readonly calls: number;
}

export type ConnectResult =
  | { readonly ok: true; readonly ms: number }
  /** `error`: refused, timeout, reset, unreachable, handshake, … */
  | { readonly ok: false; readonly error: string; readonly message: string };

/** SERVING, NOT_SERVING, UNKNOWN, SERVICE_UNKNOWN (answers); UNIMPLEMENTED, NOT_FOUND or another status name (errors). */
export interface HealthResult {
  readonly status: string;
  readonly message?: string;
  readonly ms: number;
}

export interface CallsResult {
  readonly method: string;
  readonly ok: number;
  readonly failed: number;
  /** Median latency over every call, answered or failed. */
  readonly p50Ms: number | null;
  /** Calls by final status name. */
  readonly codes: Readonly<Record<string, number>>;
  /** The first failure's message. */
  readonly firstError?: string;
}

export interface EndpointReport extends ResolvedEndpoint {
  readonly connect: ConnectResult;
  readonly health: HealthResult | null;
  readonly calls: CallsResult | null;
  /** Connected, serving (or without a health service, as the SDK counts it) and every call OK. */
  readonly ok: boolean;
}

const HEALTH_CHECK = '/grpc.health.v1.Health/Check';
const STATUS_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(SERVING_STATUS).map(([name, value]) => [value, name]),
);
const SOCKET_ERRORS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'refused',
  ECONNRESET: 'reset',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
};
const identity = (b: Buffer): Buffer => b;
/** Milliseconds to a hundredth: finer is noise on a connection, and noise in --json. */
const HUNDREDTHS = 100;
const elapsed = (started: number): number =>
  Math.round((performance.now() - started) * HUNDREDTHS) / HUNDREDTHS;

export async function probeEndpoint(
  endpoint: ResolvedEndpoint,
  settings: ProbeSettings,
): Promise<EndpointReport> {
  const tcp = await tcpConnect(endpoint.host, endpoint.port, settings.timeoutMs);
  if (!tcp.ok) return { ...endpoint, connect: tcp, health: null, calls: null, ok: false };
  const family = endpoint.host.includes(':') ? 'ipv6' : 'ipv4';
  const client = new grpc.Client(`${family}:///${endpoint.address}`, grpc.credentials.createInsecure(), {
    // Its own connection: not one another client of this process already has.
    'grpc.use_local_subchannel_pool': 1,
    'grpc.enable_retries': 0,
  });
  try {
    const connected = await connectChannel(client.getChannel(), settings.timeoutMs);
    if (!connected.ok) return { ...endpoint, connect: connected, health: null, calls: null, ok: false };
    const health = await checkHealth(client, settings);
    const calls = settings.call ? await timedCalls(client, settings.call, settings) : null;
    const serving = health.status === 'SERVING' || health.status === 'UNIMPLEMENTED';
    const ok = serving && (calls === null || calls.failed === 0);
    return { ...endpoint, connect: connected, health, calls, ok };
  } finally {
    client.close();
  }
}

/** The socket's own error (refused, reset, …), which grpc-js would turn into a generic UNAVAILABLE. */
function tcpConnect(host: string, port: number, timeoutMs: number): Promise<ConnectResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect({ host, port });
    const done = (result: ConnectResult): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(
      () => done({ ok: false, error: 'timeout', message: `no TCP connection within ${timeoutMs} ms` }),
      timeoutMs,
    );
    socket.once('connect', () => done({ ok: true, ms: elapsed(started) }));
    socket.once('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? 'EUNKNOWN';
      done({ ok: false, error: SOCKET_ERRORS[code] ?? code, message: error.message });
    });
  });
}

/** Time to READY: TCP and the HTTP/2 handshake. A process that accepts but never answers (hung) times out here. */
function connectChannel(
  channel: ReturnType<grpc.Client['getChannel']>,
  timeoutMs: number,
): Promise<ConnectResult> {
  const started = performance.now();
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve) => {
    const step = (): void => {
      const state = channel.getConnectivityState(true);
      if (state === grpc.connectivityState.READY) {
        resolve({ ok: true, ms: elapsed(started) });
        return;
      }
      if (state === grpc.connectivityState.TRANSIENT_FAILURE) {
        resolve({
          ok: false,
          error: 'handshake',
          message: 'TCP connected, but the HTTP/2 connection failed (not a plaintext gRPC server? TLS?)',
        });
        return;
      }
      channel.watchConnectivityState(state, deadline, (error) => {
        if (!error) {
          step();
          return;
        }
        resolve({
          ok: false,
          error: 'timeout',
          message: `TCP connected, but no HTTP/2 handshake within ${timeoutMs} ms (the process accepts connections but does not answer: hung?)`,
        });
      });
    };
    step();
  });
}

function unary(
  client: grpc.Client,
  method: string,
  request: Buffer,
  timeoutMs: number,
): Promise<{ error: grpc.ServiceError | null; response: Buffer | undefined; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      method,
      identity,
      identity,
      request,
      new grpc.Metadata(),
      { deadline: Date.now() + timeoutMs },
      (error, response) => resolve({ error, response, ms: elapsed(started) }),
    );
  });
}

async function checkHealth(client: grpc.Client, settings: ProbeSettings): Promise<HealthResult> {
  const { error, response, ms } = await unary(
    client,
    HEALTH_CHECK,
    encodeHealthRequest(settings.healthService),
    settings.timeoutMs,
  );
  if (error) return { status: grpc.status[error.code] ?? String(error.code), message: error.details, ms };
  const status = decodeHealthStatus(response ?? Buffer.alloc(0));
  return { status: STATUS_NAMES[status] ?? `status ${status}`, ms };
}

async function timedCalls(
  client: grpc.Client,
  method: string,
  settings: ProbeSettings,
): Promise<CallsResult> {
  const codes: Record<string, number> = {};
  const latencies: number[] = [];
  let firstError: string | undefined;
  // One at a time: the latency of a lone call, not of a burst.
  for (let i = 0; i < settings.calls; i++) {
    const { error, ms } = await unary(client, method, Buffer.alloc(0), settings.timeoutMs);
    const code = error ? (grpc.status[error.code] ?? String(error.code)) : 'OK';
    codes[code] = (codes[code] ?? 0) + 1;
    latencies.push(ms);
    if (error && firstError === undefined) firstError = `${code}: ${error.details}`;
  }
  const ok = codes.OK ?? 0;
  return {
    method,
    ok,
    failed: settings.calls - ok,
    p50Ms: median(latencies),
    codes,
    ...(firstError === undefined ? {} : { firstError }),
  };
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
