// A DNS server whose every reply the test writes: for what the in-process server never sends (a
// wrong id, a garbled packet, FORMERR, NOTIMP, a TCP answer in pieces, a reply from another port).
import type * as dgram from 'node:dgram';
import type * as net from 'node:net';
import * as dnsPacket from 'dns-packet';
import {
  bindUdp,
  closeTcp,
  closeUdp,
  DNS_NET_DEFAULTS,
  listenTcp,
  randomPort,
} from '../../lib/testing/dns/net.js';

export interface ScriptedQuery {
  readonly transport: 'udp' | 'tcp';
  readonly packet: dnsPacket.DecodedPacket;
  /** TCP: questions asked before on the same connection. */
  readonly earlierOnConnection?: number;
}

/** What to send back: packets (for TCP, each framed and written in `chunks` pieces), or nothing. */
export interface ScriptedReply {
  readonly packets: readonly Buffer[];
  readonly chunkSize?: number;
  /** TCP: close the connection instead of answering (a server whose idle timeout just ran out). */
  readonly close?: boolean;
}

export type Script = (query: ScriptedQuery) => ScriptedReply;

const BIND_ATTEMPTS = 50;
const CHUNK_GAP_MS = 5;

export class ScriptedDnsServer {
  readonly queries: ScriptedQuery[] = [];
  /** TCP connections accepted so far. */
  tcpConnections = 0;
  script: Script = () => ({ packets: [] });

  private constructor(
    readonly host: string,
    readonly port: number,
    private readonly udp: dgram.Socket,
    private readonly tcp: net.Server,
  ) {}

  static async start(host = DNS_NET_DEFAULTS.host): Promise<ScriptedDnsServer> {
    for (let attempt = 0; ; attempt++) {
      const port = randomPort();
      try {
        const udp = await bindUdp(host, port);
        const tcp = await listenTcp(host, port).catch(async (error) => {
          await closeUdp(udp);
          throw error;
        });
        const server = new ScriptedDnsServer(host, port, udp, tcp);
        server.listen();
        return server;
      } catch (error) {
        if (attempt >= BIND_ATTEMPTS) throw error;
      }
    }
  }

  get address(): string {
    return `${this.host}:${this.port}`;
  }

  /** Sends `packet` to the last UDP client from another socket (another source port). */
  async sendFromElsewhere(packet: Buffer, to: { address: string; port: number }): Promise<void> {
    const other = await bindUdp(this.host, 0);
    await new Promise<void>((resolve) => other.send(packet, to.port, to.address, () => resolve()));
    await closeUdp(other);
  }

  lastUdpClient: { address: string; port: number } | undefined;

  async close(): Promise<void> {
    await Promise.all([closeUdp(this.udp), closeTcp(this.tcp)]);
  }

  private listen(): void {
    this.udp.on('message', (message, from) => {
      this.lastUdpClient = { address: from.address, port: from.port };
      const packet = dnsPacket.decode(message);
      this.queries.push({ transport: 'udp', packet });
      for (const reply of this.script({ transport: 'udp', packet }).packets) {
        this.udp.send(reply, from.port, from.address);
      }
    });
    this.tcp.on('connection', (socket) => {
      this.tcpConnections += 1;
      socket.on('error', () => undefined);
      let earlierOnConnection = 0;
      // Each chunk is taken as one framed question: enough for these tests' small questions.
      socket.on('data', (data) => {
        const packet = dnsPacket.decode(data.subarray(2));
        this.queries.push({ transport: 'tcp', packet, earlierOnConnection });
        const reply = this.script({ transport: 'tcp', packet, earlierOnConnection });
        earlierOnConnection += 1;
        if (reply.close) socket.destroy();
        else void writeChunks(socket, reply);
      });
    });
  }
}

async function writeChunks(socket: net.Socket, reply: ScriptedReply): Promise<void> {
  for (const packet of reply.packets) {
    const framed = Buffer.alloc(2 + packet.length);
    framed.writeUInt16BE(packet.length, 0);
    packet.copy(framed, 2);
    const size = reply.chunkSize ?? framed.length;
    for (let i = 0; i < framed.length; i += size) {
      if (socket.destroyed) return;
      socket.write(framed.subarray(i, i + size));
      await new Promise((r) => setTimeout(r, CHUNK_GAP_MS));
    }
  }
}
