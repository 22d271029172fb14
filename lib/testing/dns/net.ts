// Socket helpers shared by both DNS backends: binding UDP+TCP on one port, picking a port that is
// free for both, and a tiny one-shot DNS client used to probe a server.

import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { isIPv6 } from 'node:net';
import * as dnsPacket from 'dns-packet';
import { retrying } from '../retry.js';

export const DNS_NET_DEFAULTS = Object.freeze({
  /** A dedicated loopback address, so DNS never competes with pod or client ports on 127.0.0.1. */
  host: '127.0.53.1',
  /** Below the ephemeral range (32768-60999), so outgoing connections never hold our port. */
  portMin: 20000,
  portMax: 29999,
  pickAttempts: 200,
});

export function udpType(host: string): 'udp4' | 'udp6' {
  return isIPv6(host) ? 'udp6' : 'udp4';
}

export function formatAddress(host: string, port: number): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

export function bindUdp(host: string, port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({ type: udpType(host), reuseAddr: false });
    socket.once('error', reject);
    socket.bind(port, host, () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

export function listenTcp(
  host: string,
  port: number,
  onConnection?: (s: net.Socket) => void,
): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer(onConnection);
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

export function closeUdp(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve();
    }
  });
}

export function closeTcp(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

export function randomPort(): number {
  const { portMin, portMax } = DNS_NET_DEFAULTS;
  return portMin + Math.floor(Math.random() * (portMax - portMin + 1));
}

export function isAddressInUse(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
}

/** A port in 20000-29999 on `host` that is free for both UDP and TCP right now. */
export async function pickFreeDnsPort(host: string): Promise<number> {
  try {
    return await retrying(
      async () => {
        const port = randomPort();
        let udp: dgram.Socket | undefined;
        let tcp: net.Server | undefined;
        try {
          udp = await bindUdp(host, port);
          tcp = await listenTcp(host, port);
          return port;
        } finally {
          if (tcp) await closeTcp(tcp);
          if (udp) await closeUdp(udp);
        }
      },
      { attempts: DNS_NET_DEFAULTS.pickAttempts, retryOn: isAddressInUse },
    );
  } catch (error) {
    if (!isAddressInUse(error)) throw error;
    throw new Error(
      `no port free for UDP and TCP on ${host} in ${DNS_NET_DEFAULTS.portMin}-${DNS_NET_DEFAULTS.portMax}`,
    );
  }
}

export interface ProbeResult {
  readonly rcode: string;
  readonly truncated: boolean;
  readonly authoritative: boolean;
  readonly answers: readonly dnsPacket.Answer[];
}

/**
 * One UDP query; resolves with the decoded answer, or undefined when nothing came back within
 * timeoutMs (server down or dropping). `sourceHost` lets the harness tell its own queries apart.
 */
export function probeDns(
  host: string,
  port: number,
  name: string,
  type: dnsPacket.RecordType,
  timeoutMs: number,
  sourceHost?: string,
): Promise<ProbeResult | undefined> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket(udpType(host));
    const id = Math.floor(Math.random() * 0xffff);
    let settled = false;
    const finish = (result: ProbeResult | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.close();
      resolve(result);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    socket.on('error', () => finish(undefined));
    socket.on('message', (msg) => {
      try {
        const packet = dnsPacket.decode(msg);
        if (packet.id !== id) return;
        // dns-packet decodes rcode, its types omit it.
        const rcode = String((packet as { rcode?: string }).rcode ?? 'NOERROR');
        finish({
          rcode,
          truncated: packet.flag_tc,
          authoritative: packet.flag_aa,
          answers: packet.answers ?? [],
        });
      } catch {
        // Not a DNS answer; keep waiting.
      }
    });
    const query = dnsPacket.encode({
      type: 'query',
      id,
      flags: dnsPacket.RECURSION_DESIRED,
      questions: [{ type, name, class: 'IN' }],
    });
    // A connected socket gets ICMP port-unreachable as ECONNREFUSED at once, instead of a timeout.
    const send = (): void =>
      socket.connect(port, host, () => socket.send(query, (error) => error && finish(undefined)));
    if (sourceHost) socket.bind(0, sourceHost, send);
    else send();
  });
}
