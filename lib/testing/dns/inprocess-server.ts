// A small authoritative DNS server on dns-packet (UDP + TCP on one port) with runtime fault
// injection and a query log, standing in for CoreDNS in tests.
import type * as dgram from 'node:dgram';
import type * as net from 'node:net';
import * as dnsPacket from 'dns-packet';
import { retrying } from '../retry.js';
import { compressOwners } from './compress.js';
import {
  bindUdp,
  closeTcp,
  closeUdp,
  DNS_NET_DEFAULTS,
  formatAddress,
  isAddressInUse,
  listenTcp,
  randomPort,
} from './net.js';
import type { ClusterDns, DnsFault, DnsQueryLogEntry, DnsRcodeName, DnsRecord } from './types.js';
import { Zone, type ZoneAnswer } from './zone.js';

export const INPROCESS_DNS_DEFAULTS = Object.freeze({
  host: DNS_NET_DEFAULTS.host,
  zone: 'cluster.local',
  ttlSeconds: 5,
  /** RFC 1035 limit for UDP answers when the query carries no EDNS OPT record. */
  udpSizeWithoutEdns: 512,
  /** Cap on the client's advertised EDNS size, and the size we advertise back (DNS flag day 2020). */
  ednsUdpSize: 1232,
  bindAttempts: 50,
  /** Oldest entries are dropped past this, so a long soak cannot grow the log without bound. */
  maxLoggedQueries: 100_000,
});

const RCODE_BITS: Readonly<Record<Exclude<DnsRcodeName, 'DROPPED'>, number>> = Object.freeze({
  NOERROR: 0,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
});
const RCODE_MASK = 0xf;

export interface InProcessDnsOptions {
  /** Default 127.0.53.1. */
  readonly host?: string;
  /** Default: a random port in 20000-29999 free for UDP and TCP. */
  readonly port?: number;
  /** Default "cluster.local"; names outside it get REFUSED. */
  readonly zone?: string;
  /** TTL of records that do not carry their own; default 5 (CoreDNS' kubernetes plugin). */
  readonly ttlSeconds?: number;
  readonly records?: readonly DnsRecord[];
}

type Reply = (packet: Buffer) => void;
type Transport = 'udp' | 'tcp';

export class InProcessDnsServer implements ClusterDns {
  readonly kind = 'inprocess' as const;
  readonly host: string;
  readonly port: number;
  readonly zone: string;
  private readonly zoneData: Zone;
  private udp: dgram.Socket | undefined;
  private tcp: net.Server | undefined;
  private readonly tcpSockets = new Set<net.Socket>();
  private tcpAccepted = 0;
  private currentFault: DnsFault = 'none';
  private readonly log: DnsQueryLogEntry[] = [];
  private closed = false;

  private constructor(host: string, port: number, zone: Zone) {
    this.host = host;
    this.port = port;
    this.zoneData = zone;
    this.zone = zone.origin;
  }

  /** TCP connections accepted so far (a client that keeps its connection makes one). */
  get tcpConnections(): number {
    return this.tcpAccepted;
  }

  static async start(options: InProcessDnsOptions = {}): Promise<InProcessDnsServer> {
    const d = INPROCESS_DNS_DEFAULTS;
    const host = options.host ?? d.host;
    const zone = new Zone(options.zone ?? d.zone, options.ttlSeconds ?? d.ttlSeconds);
    zone.replace(options.records ?? []);
    return retrying(
      async () => {
        const server = new InProcessDnsServer(host, options.port || randomPort(), zone);
        await server.bind();
        return server;
      },
      { attempts: options.port ? 1 : d.bindAttempts, retryOn: isAddressInUse },
    );
  }

  get address(): string {
    return formatAddress(this.host, this.port);
  }

  get fault(): DnsFault {
    return this.currentFault;
  }

  get queries(): readonly DnsQueryLogEntry[] {
    return this.log;
  }

  clearQueries(): void {
    this.log.length = 0;
  }

  async publish(records: readonly DnsRecord[]): Promise<void> {
    this.zoneData.replace(records);
  }

  async setFault(fault: DnsFault): Promise<void> {
    if (this.closed) throw new Error('DNS server is closed');
    if (typeof fault === 'object' && !(fault.ms >= 0)) throw new Error(`invalid delay fault: ${fault.ms}`);
    const wasDown = this.currentFault === 'down';
    if (fault === 'down' && !wasDown) await this.unbind();
    if (fault !== 'down' && wasDown) await this.bind();
    this.currentFault = fault;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.unbind();
  }

  private async bind(): Promise<void> {
    const udp = await bindUdp(this.host, this.port);
    try {
      this.tcp = await listenTcp(this.host, this.port, (socket) => this.acceptTcp(socket));
    } catch (error) {
      await closeUdp(udp);
      throw error;
    }
    udp.on('message', (msg, rinfo) => {
      this.handle(msg, 'udp', rinfo.port, (out) => {
        if (this.udp === udp) udp.send(out, rinfo.port, rinfo.address);
      });
    });
    udp.on('error', () => undefined);
    this.udp = udp;
  }

  private async unbind(): Promise<void> {
    const { udp, tcp } = this;
    this.udp = undefined;
    this.tcp = undefined;
    for (const socket of this.tcpSockets) socket.destroy();
    this.tcpSockets.clear();
    await Promise.all([udp && closeUdp(udp), tcp && closeTcp(tcp)]);
  }

  private acceptTcp(socket: net.Socket): void {
    this.tcpAccepted += 1;
    this.tcpSockets.add(socket);
    socket.on('close', () => this.tcpSockets.delete(socket));
    socket.on('error', () => undefined);
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      // RFC 1035 4.2.2: each message is preceded by its 2-byte length.
      while (pending.length >= 2) {
        const length = pending.readUInt16BE(0);
        if (pending.length < 2 + length) break;
        const frame = pending.subarray(2, 2 + length);
        pending = pending.subarray(2 + length);
        this.handle(frame, 'tcp', socket.remotePort, (out) => {
          if (socket.destroyed) return;
          const prefix = Buffer.alloc(2);
          prefix.writeUInt16BE(out.length);
          socket.write(Buffer.concat([prefix, out]));
        });
      }
    });
  }

  private handle(msg: Buffer, transport: Transport, sourcePort: number | undefined, reply: Reply): void {
    let query: dnsPacket.DecodedPacket;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return;
    }
    const question = query.questions?.[0];
    if (!question || query.type !== 'query') return;
    const fault = this.currentFault;
    const time = Date.now();
    const record = (rcode: DnsRcodeName, answers: number | undefined, truncated: boolean): void => {
      const { name, type } = question;
      this.log.push({ time, name, type, transport, sourcePort, rcode, answers, truncated });
      if (this.log.length > INPROCESS_DNS_DEFAULTS.maxLoggedQueries) this.log.splice(0, this.log.length / 2);
    };
    if (fault === 'timeout') {
      record('DROPPED', undefined, false);
      return;
    }
    const respond = (): void => {
      const { packet, rcode, answers, truncated } = this.buildResponse(query, question, fault, transport);
      record(rcode, answers, truncated);
      reply(packet);
    };
    if (typeof fault === 'object') setTimeout(respond, fault.ms);
    else respond();
  }

  private buildResponse(
    query: dnsPacket.DecodedPacket,
    question: dnsPacket.Question,
    fault: DnsFault,
    transport: Transport,
  ): { packet: Buffer; rcode: DnsRcodeName; answers: number; truncated: boolean } {
    const result: ZoneAnswer =
      fault === 'servfail' || fault === 'refused'
        ? {
            rcode: fault === 'servfail' ? 'SERVFAIL' : 'REFUSED',
            authoritative: false,
            answers: [],
            additionals: [],
          }
        : this.zoneData.answer(question.name, question.type);
    const rcode = result.rcode === 'DROPPED' ? 'SERVFAIL' : result.rcode;
    const clientOpt = query.additionals?.find((a): a is dnsPacket.OptAnswer => a.type === 'OPT');
    const additionals: dnsPacket.Answer[] = [...result.additionals];
    if (clientOpt) additionals.push(ednsOpt());
    // dns-packet ignores a `rcode` field on encode: the RCODE lives in the low bits of the flags.
    let flags = (query.flags ?? 0) & dnsPacket.RECURSION_DESIRED;
    if (result.authoritative) flags |= dnsPacket.AUTHORITATIVE_ANSWER;
    flags = (flags & ~RCODE_MASK) | RCODE_BITS[rcode];
    const response: dnsPacket.Packet = {
      type: 'response',
      id: query.id ?? 0,
      flags,
      questions: [question],
      answers: result.answers,
      additionals,
    };
    let packet = compressOwners(dnsPacket.encode(response));
    let truncated = false;
    if (transport === 'udp') {
      const limit = clientOpt
        ? Math.max(
            INPROCESS_DNS_DEFAULTS.udpSizeWithoutEdns,
            Math.min(clientOpt.udpPayloadSize, INPROCESS_DNS_DEFAULTS.ednsUdpSize),
          )
        : INPROCESS_DNS_DEFAULTS.udpSizeWithoutEdns;
      if (packet.length > limit) {
        truncated = true;
        packet = compressOwners(truncate(response, limit, clientOpt !== undefined));
      }
    }
    return { packet, rcode: result.rcode, answers: result.answers.length, truncated };
  }
}

function ednsOpt(): dnsPacket.OptAnswer {
  return {
    type: 'OPT',
    name: '.',
    udpPayloadSize: INPROCESS_DNS_DEFAULTS.ednsUdpSize,
    extendedRcode: 0,
    ednsVersion: 0,
    flags: 0,
    flag_do: false,
    options: [],
  };
}

/** TC=1 with as many answers as fit (like dnsmasq); the client then retries over TCP. */
function truncate(response: dnsPacket.Packet, limit: number, withOpt: boolean): Buffer {
  const answers = [...(response.answers ?? [])];
  const base: dnsPacket.Packet = {
    ...response,
    flags: (response.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE,
    additionals: withOpt ? [ednsOpt()] : [],
  };
  while (answers.length > 0 && dnsPacket.encodingLength({ ...base, answers }) > limit) answers.pop();
  return dnsPacket.encode({ ...base, answers });
}
