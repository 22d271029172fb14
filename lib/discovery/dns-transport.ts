// One DNS exchange with one server, over UDP or TCP: the only socket code of lib/discovery. A UDP
// exchange owns its socket and timer and releases both when it settles, whatever settles it; a TCP
// exchange borrows a connection from its querier's TcpConnections and hands it back after a clean
// answer (anything else closes it).
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { isIPv6 } from 'node:net';
import { DEFAULT_DNS_PORT, DNS_WIRE_DEFAULTS } from '../config/defaults.js';
import { type HostAndPort, parseDnsServerAddress } from './target.js';
import { type DnsQuestion, type ParsedResponse, parseResponse } from './wire.js';

export interface DnsServer extends HostAndPort {
  /** As Node's Resolver#getServers() writes it: the port only when it is not 53. */
  readonly label: string;
}

/** Where datagrams come from: the connected server, as the kernel reports it. */
interface AddressOnly {
  readonly address: string;
  readonly port: number;
}

/** How one exchange ended. `size` is the answer's length in bytes. */
export type Exchange =
  | {
      readonly kind: 'response';
      readonly parsed: Exclude<ParsedResponse, { kind: 'ignored' }>;
      readonly size: number;
    }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'error'; readonly error: NodeJS.ErrnoException }
  | { readonly kind: 'cancelled' };

/** Registers an exchange's abort with its querier; returns the unregistration. */
export type AbortRegistry = (abort: () => void) => () => void;

/** What ends an idle kept connection: the server closing it, an error, or anything it sends unasked. */
const IDLE_EVENTS = ['error', 'close', 'end', 'data'] as const;

/** RFC 1035 §4.2.2: a DNS message over TCP is preceded by its length in 2 bytes. */
const TCP_LENGTH_PREFIX = 2;

/**
 * A DNS server as Node's resolver writes one ("10.96.0.10", "127.0.0.1:5353", "[::1]:53", "::1");
 * throws a ThickConfigError for anything else.
 */
export function parseDnsServer(text: string): DnsServer {
  const { host, port } = isIPv6(text) ? { host: text, port: DEFAULT_DNS_PORT } : parseDnsServerAddress(text);
  const label = port === DEFAULT_DNS_PORT ? host : isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
  return Object.freeze({ host, port, label });
}

/**
 * UDP sockets connected to DNS servers, idle between questions, as c-ares keeps them: a poll then
 * costs one send and one receive, not a socket's creation, bind, connect and close (on this
 * project's 2-core VMs, about 0.3 ms of CPU per poll). Up to `perServer` are kept per server, one
 * for each question a poll asks at once (A and AAAA). Connected, so the kernel drops datagrams
 * from anyone else and reports an ICMP port unreachable as ECONNREFUSED. A socket's source port
 * changes every `maxQueries` questions and after any exchange that did not end in an answer (a late
 * answer to a timed-out question never meets a later one). Idle sockets are unref'd and closed by
 * closeAll().
 */
export class UdpSockets {
  private readonly idle = new Map<string, KeptUdpSocket[]>();

  constructor(
    private readonly maxQueries: number = DNS_WIRE_DEFAULTS.udpMaxQueries,
    private readonly perServer: number = DNS_WIRE_DEFAULTS.udpIdlePerServer,
  ) {}

  /** An idle socket to `server` (connected: its remote address and questions asked), or a new one. */
  take(server: DnsServer): {
    readonly socket: dgram.Socket;
    readonly remote?: AddressOnly;
    readonly uses: number;
  } {
    const kept = this.idle.get(server.label)?.pop();
    if (!kept) return { socket: dgram.createSocket(isIPv6(server.host) ? 'udp6' : 'udp4'), uses: 0 };
    unwatch(kept);
    kept.socket.ref();
    return kept;
  }

  /** Back from an exchange that ended in an answer: kept for the next question, until maxQueries. */
  give(server: DnsServer, socket: dgram.Socket, remote: AddressOnly, usesBefore: number): void {
    const uses = usesBefore + 1;
    const list = this.idle.get(server.label) ?? [];
    if (uses >= this.maxQueries || list.length >= this.perServer) {
      closeQuietly(socket);
      return;
    }
    // An error or a close while idle drops it.
    const forget = (): void => {
      unwatch(kept);
      const at = list.indexOf(kept);
      if (at >= 0) list.splice(at, 1);
      closeQuietly(socket);
    };
    const kept: KeptUdpSocket = { socket, remote, uses, forget };
    socket.on('error', forget).on('close', forget);
    socket.unref();
    list.push(kept);
    this.idle.set(server.label, list);
  }

  closeAll(): void {
    for (const list of this.idle.values()) {
      for (const kept of list) {
        unwatch(kept);
        closeQuietly(kept.socket);
      }
    }
    this.idle.clear();
  }

  /** Idle sockets kept now (for tests). */
  get size(): number {
    let n = 0;
    for (const list of this.idle.values()) n += list.length;
    return n;
  }
}

interface KeptUdpSocket {
  readonly socket: dgram.Socket;
  /** Its server's address as the kernel reports it (a system call to ask again). */
  readonly remote: AddressOnly;
  /** Questions asked on it so far. */
  readonly uses: number;
  readonly forget: () => void;
}

function unwatch({ socket, forget }: KeptUdpSocket): void {
  socket.off('error', forget).off('close', forget);
}

function closeQuietly(socket: dgram.Socket): void {
  try {
    socket.close();
  } catch {
    // Already closed by an error: nothing is left to release.
  }
}

/**
 * Sends the question over UDP, on a socket from `sockets` (see UdpSockets). Replies that do not
 * answer the question are ignored; the exchange goes on.
 */
export function udpExchange(
  server: DnsServer,
  question: DnsQuestion,
  timeoutMs: number,
  register: AbortRegistry,
  sockets: UdpSockets,
): Promise<Exchange> {
  return new Promise((resolve) => {
    const taken = sockets.take(server);
    const socket = taken.socket;
    let remote = taken.remote;
    let settled = false;
    const finish = (exchange: Exchange): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unregister();
      socket.off('error', failed).off('message', received);
      if (exchange.kind === 'response' && remote) sockets.give(server, socket, remote, taken.uses);
      else closeQuietly(socket);
      resolve(exchange);
    };
    const timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
    const unregister = register(() => finish({ kind: 'cancelled' }));
    const failed = (error: Error): void => finish({ kind: 'error', error });
    const received = (message: Buffer, from: dgram.RemoteInfo): void => {
      if (!remote || from.address !== remote.address || from.port !== remote.port) return;
      const parsed = parseResponse(message, question);
      if (parsed.kind !== 'ignored') finish({ kind: 'response', parsed, size: message.length });
    };
    socket.on('error', failed).on('message', received);
    const send = (): void => {
      socket.send(question.packet, (error) => {
        if (error) finish({ kind: 'error', error });
      });
    };
    if (remote) {
      send();
      return;
    }
    socket.connect(server.port, server.host, (error?: Error) => {
      if (settled) return;
      if (error) return finish({ kind: 'error', error });
      const { address, port } = socket.remoteAddress();
      remote = { address, port };
      send();
    });
  });
}

/**
 * Open TCP connections to DNS servers, idle between questions: a poll of a large answer then costs
 * no handshake (on loopback the kernel runs both ends of it inside connect(), the largest part of a
 * poll's CPU). One question at a time per connection; idle connections are unref'd, closed after
 * `idleMs` and by closeAll().
 */
export class TcpConnections {
  private readonly idle = new Map<string, net.Socket[]>();
  /** The listener an idle connection is watched with (only ours are removed: net.Socket has its own). */
  private readonly watching = new WeakMap<net.Socket, () => void>();

  constructor(private readonly idleMs: number = DNS_WIRE_DEFAULTS.tcpIdleMs) {}

  /** An idle connection to `server`, or a new one; `reused` says which. */
  take(server: DnsServer): { readonly socket: net.Socket; readonly reused: boolean } {
    const list = this.idle.get(server.label);
    while (list && list.length > 0) {
      const socket = list.pop()!;
      this.unwatch(socket);
      if (socket.destroyed || !socket.writable) continue;
      socket.ref();
      return { socket, reused: true };
    }
    const socket = net.connect({ host: server.host, port: server.port });
    socket.setNoDelay(true);
    return { socket, reused: false };
  }

  /** Back from a clean exchange: kept for the next question until idle too long or closed. */
  give(server: DnsServer, socket: net.Socket): void {
    const forget = (): void => {
      this.unwatch(socket);
      const list = this.idle.get(server.label);
      const at = list?.indexOf(socket) ?? -1;
      if (list && at >= 0) list.splice(at, 1);
      socket.destroy();
    };
    // The server may close an idle connection (its own idle timeout): that only means a new one.
    for (const event of IDLE_EVENTS) socket.on(event, forget);
    socket.setTimeout(this.idleMs, forget);
    this.watching.set(socket, forget);
    socket.unref();
    const list = this.idle.get(server.label) ?? [];
    list.push(socket);
    this.idle.set(server.label, list);
  }

  private unwatch(socket: net.Socket): void {
    const forget = this.watching.get(socket);
    if (!forget) return;
    this.watching.delete(socket);
    for (const event of IDLE_EVENTS) socket.off(event, forget);
    // setTimeout(ms, fn) adds fn as a 'timeout' listener, and setTimeout(0) leaves it: one per poll.
    socket.off('timeout', forget);
    socket.setTimeout(0);
  }

  closeAll(): void {
    for (const list of this.idle.values()) for (const socket of list) socket.destroy();
    this.idle.clear();
  }

  /** Idle connections kept now (for tests). */
  get size(): number {
    let n = 0;
    for (const list of this.idle.values()) n += list.length;
    return n;
  }
}

/**
 * The same question over TCP, for an answer too large for UDP. The answer may arrive in any number
 * of chunks; it is copied once into a buffer of its announced length. A reused connection that the
 * server had closed meanwhile is not the server failing: the question is asked once more on a new
 * connection, within the same timeout.
 */
export function tcpExchange(
  server: DnsServer,
  question: DnsQuestion,
  timeoutMs: number,
  register: AbortRegistry,
  connections: TcpConnections,
): Promise<Exchange> {
  return new Promise((resolve) => {
    let settled = false;
    let current: net.Socket | undefined;
    /** Removes this exchange's listeners from `current` (its own only). */
    let detach: (() => void) | undefined;
    const finish = (exchange: Exchange, keep = false): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unregister();
      if (current) {
        detach?.();
        if (keep) connections.give(server, current);
        else current.destroy();
      }
      resolve(exchange);
    };
    const timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
    const unregister = register(() => finish({ kind: 'cancelled' }));
    const frame = Buffer.allocUnsafe(TCP_LENGTH_PREFIX + question.packet.length);
    frame.writeUInt16BE(question.packet.length, 0);
    question.packet.copy(frame, TCP_LENGTH_PREFIX);
    const ask = (): void => {
      const { socket, reused } = connections.take(server);
      current = socket;
      let answered = false;
      const lost = (error: NodeJS.ErrnoException): void => {
        if (settled || socket !== current) return;
        socket.destroy();
        // Nothing came back on a kept connection: the server closed it while idle. Ask anew.
        if (reused && !answered && prefixFilled === 0) ask();
        else finish({ kind: 'error', error });
      };
      const closed = (): void => lost(closedError(`${server.label} closed the connection before answering`));
      socket.on('error', lost);
      socket.on('close', closed);
      const prefix = Buffer.alloc(TCP_LENGTH_PREFIX);
      let prefixFilled = 0;
      let body: Buffer | undefined;
      let bodyFilled = 0;
      const onData = (chunk: Buffer): void => {
        let i = 0;
        while (i < chunk.length && !settled) {
          if (!body) {
            prefix[prefixFilled++] = chunk[i++]!;
            if (prefixFilled < TCP_LENGTH_PREFIX) continue;
            body = Buffer.allocUnsafe(prefix.readUInt16BE(0));
            bodyFilled = 0;
          }
          const n = Math.min(body.length - bodyFilled, chunk.length - i);
          chunk.copy(body, bodyFilled, i, i + n);
          bodyFilled += n;
          i += n;
          if (bodyFilled < body.length) continue;
          answered = true;
          const parsed = parseResponse(body, question, true);
          // Kept only when the answer was ours and nothing else is pending on the connection.
          if (parsed.kind !== 'ignored')
            finish({ kind: 'response', parsed, size: body.length }, i === chunk.length);
          body = undefined;
          prefixFilled = 0;
        }
      };
      socket.on('data', onData);
      detach = () => {
        socket.off('error', lost);
        socket.off('close', closed);
        socket.off('data', onData);
      };
      socket.write(frame);
    };
    ask();
  });
}

function closedError(message: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(message);
  error.code = 'ECONNRESET';
  return error;
}
