import { randomInt } from 'node:crypto';
import { Resolver } from 'node:dns';
import { DNS_WIRE_DEFAULTS } from '../config/defaults.js';
import { ThickConfigError } from '../config/errors.js';
import type { Family, QueryResult } from './answer.js';
import {
  type AbortRegistry,
  type DnsServer,
  type Exchange,
  parseDnsServer,
  TcpConnections,
  tcpExchange,
  UdpSockets,
  udpExchange,
} from './dns-transport.js';
import type { DnsQuerier } from './lookup.js';
import { type DnsQuestion, type EncodeResult, encodeQuery, RCODE, withId } from './wire.js';

/** c-ares asks 127.0.0.1 when the system names no server; so do we. */
const FALLBACK_SERVER = '127.0.0.1';
const ID_RANGE = 0x10000;
/** RFC 1035 §2.3.4: the UDP answer size a query without EDNS0 allows. */
const UDP_SIZE_WITHOUT_EDNS = 512;

/** One try's end: a result to return (final), or an error after which the next try goes ahead. */
interface Step {
  readonly final: boolean;
  readonly result: QueryResult;
}

/**
 * Queries A/AAAA straight from DNS servers with our own client (wire.ts), because getaddrinfo hides
 * TTLs and errors and c-ares costs milliseconds of CPU on a large answer. UDP first; a truncated
 * answer is asked again over TCP from the same server, and a name whose answer needed TCP goes
 * straight to TCP until one fits in UDP again. `tries` rounds over the servers in order, each try
 * waiting `timeoutMs`, as c-ares does; error codes are c-ares' (ENOTFOUND, ESERVFAIL, ETIMEOUT, ...).
 * A TCP connection stays open (unref'd) for the next question until idle for 12 s or cancel().
 */
export class WireDnsQuerier implements DnsQuerier {
  private readonly list: readonly DnsServer[];
  private readonly aborts = new Set<() => void>();
  /** Bumped by cancel(): a query started under another epoch stops at its next step. */
  private epoch = 0;
  /** "family name" of the questions whose last answer did not fit in UDP. */
  private readonly viaTcp = new Set<string>();
  private ednsUdpSize: number = DNS_WIRE_DEFAULTS.ednsUdpSize;
  private readonly connections = new TcpConnections();
  private readonly sockets = new UdpSockets();
  /**
   * Each question encoded once ("family ednsSize name"): a querier asks only its resolver's
   * candidate names, so this stays as small as that list.
   */
  private readonly encoded = new Map<string, EncodeResult>();
  private readonly register: AbortRegistry = (abort) => {
    this.aborts.add(abort);
    return () => this.aborts.delete(abort);
  };

  /** No servers: the ones Node's default resolver reads from the system (resolv.conf). */
  constructor(
    servers: readonly string[],
    private readonly timeoutMs: number,
    private readonly tries: number,
  ) {
    const texts = servers.length > 0 ? servers : new Resolver().getServers();
    try {
      this.list = (texts.length > 0 ? texts : [FALLBACK_SERVER]).map(parseDnsServer);
    } catch (error) {
      throw new ThickConfigError(
        'dns servers',
        `cannot use DNS server(s) ${servers.join(', ')}: ${(error as Error).message}`,
      );
    }
  }

  /** The servers actually asked, for log and error messages. */
  servers(): string[] {
    return this.list.map((s) => s.label);
  }

  async query(name: string, family: Family): Promise<QueryResult> {
    const epoch = this.epoch;
    let last: QueryResult | undefined;
    const attempts = this.tries * this.list.length;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const server = this.list[attempt % this.list.length]!;
      const step = await this.ask(server, name, family, epoch);
      if (step.final || epoch !== this.epoch)
        return epoch === this.epoch ? step.result : cancelled(name, family);
      last = step.result;
    }
    return last ?? failure('ETIMEOUT', name, family, 'no try made');
  }

  /** Settles every query in flight with ECANCELLED and closes its socket, and the idle sockets and connections. */
  cancel(): void {
    this.epoch++;
    for (const abort of [...this.aborts]) abort();
    this.connections.closeAll();
    this.sockets.closeAll();
  }

  /** TCP connections kept open for the next question (for tests). */
  get idleConnections(): number {
    return this.connections.size;
  }

  /** UDP sockets kept open for the next question (for tests). */
  get idleUdpSockets(): number {
    return this.sockets.size;
  }

  private async ask(server: DnsServer, name: string, family: Family, epoch: number): Promise<Step> {
    const template = this.template(name, family);
    if (!template.ok) return { final: true, result: failure('EBADNAME', name, family, template.reason) };
    const question = withId(template.question, randomInt(ID_RANGE));
    const sticky = `${family} ${name.toLowerCase()}`;
    let exchange: Exchange | undefined;
    if (!this.viaTcp.has(sticky)) {
      exchange = await udpExchange(server, question, this.timeoutMs, this.register, this.sockets);
      if (exchange.kind === 'response' && exchange.parsed.kind === 'truncated') {
        if (this.viaTcp.size >= DNS_WIRE_DEFAULTS.maxStickyTcpNames) this.viaTcp.clear();
        this.viaTcp.add(sticky);
        exchange = undefined;
      }
    }
    if (epoch !== this.epoch) return { final: true, result: cancelled(name, family) };
    if (!exchange) {
      exchange = await tcpExchange(server, question, this.timeoutMs, this.register, this.connections);
      // Back to UDP once the answer would fit in it again (the set shrank).
      const udpLimit = this.ednsUdpSize || UDP_SIZE_WITHOUT_EDNS;
      if (exchange.kind === 'response' && exchange.size <= udpLimit) this.viaTcp.delete(sticky);
    }
    return this.step(exchange, question, server);
  }

  private template(name: string, family: Family): EncodeResult {
    const key = `${family} ${this.ednsUdpSize} ${name}`;
    let encoded = this.encoded.get(key);
    if (!encoded) {
      encoded = encodeQuery(name, family, 0, this.ednsUdpSize);
      this.encoded.set(key, encoded);
    }
    return encoded;
  }

  private step(exchange: Exchange, question: DnsQuestion, server: DnsServer): Step {
    const { name, family } = question;
    const retry = (code: string, detail?: string): Step => ({
      final: false,
      result: failure(
        code,
        name,
        family,
        detail ? `from ${server.label}: ${detail}` : `from ${server.label}`,
      ),
    });
    switch (exchange.kind) {
      case 'cancelled':
        return { final: true, result: cancelled(name, family) };
      case 'timeout':
        return retry('ETIMEOUT');
      case 'error':
        // c-ares reports every socket failure (refused, unreachable, reset) as ECONNREFUSED.
        return retry(
          'ECONNREFUSED',
          exchange.error.code === 'ECONNREFUSED' ? undefined : exchange.error.message,
        );
    }
    const parsed = exchange.parsed;
    switch (parsed.kind) {
      case 'garbled':
        return retry('EBADRESP', parsed.reason);
      case 'truncated':
        return retry('EBADRESP', 'truncated answer over TCP');
      case 'answer':
        return parsed.answer.size > 0
          ? { final: true, result: parsed.answer }
          : { final: true, result: failure('ENODATA', name, family, `from ${server.label}`) };
    }
    switch (parsed.rcode) {
      case RCODE.NXDOMAIN:
        return { final: true, result: failure('ENOTFOUND', name, family, `from ${server.label}`) };
      case RCODE.SERVFAIL:
        return retry('ESERVFAIL');
      case RCODE.REFUSED:
        return retry('EREFUSED');
      case RCODE.NOTIMP:
        return retry('ENOTIMP');
      case RCODE.FORMERR:
        // A server that does not know EDNS0 says FORMERR: ask without it from now on, as c-ares does.
        this.ednsUdpSize = 0;
        return retry('EFORMERR');
      default:
        return retry('EBADRESP', `response code ${parsed.rcode}`);
    }
  }
}

/** Node's message shape ("queryA ESERVFAIL name"), plus the server. */
function failure(code: string, name: string, family: Family, detail: string): QueryResult {
  return { ok: false, code, message: `query${family === 4 ? 'A' : 'Aaaa'} ${code} ${name} ${detail}` };
}

function cancelled(name: string, family: Family): QueryResult {
  return failure('ECANCELLED', name, family, '(cancelled)');
}
