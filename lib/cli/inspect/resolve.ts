// The DNS half of `inspect`: the resolver's own pieces (target parsing, resolv.conf and the search
// list, the DNS client, the search-list walk), wired as the resolver wires them, so the answer
// shown is the one a client with the same options gets.
import type { AddressFamily } from '../../config/defaults.js';
import type { Family, QueryResult } from '../../discovery/answer.js';
import { WireDnsQuerier } from '../../discovery/dns-client.js';
import { type DnsQuerier, EndpointLookup } from '../../discovery/lookup.js';
import { type DnsServerSource, planLookup } from '../../discovery/servers.js';
import { type DnsPollTarget, formatHostPort, type HostAndPort } from '../../discovery/target.js';
import { CliError } from '../command.js';

export interface DnsSettings {
  readonly addressFamily: AddressFamily;
  readonly dnsTimeoutMs: number;
  readonly dnsTries: number;
  readonly resolvConfPath: string;
  /** --dns-server: replaces the target's authority and resolv.conf's nameservers. */
  readonly dnsServer?: HostAndPort;
}

/** Where the DNS server asked came from. */
export type ServerSource = 'flag' | DnsServerSource;

export interface QueryLog {
  readonly name: string;
  readonly family: Family;
  /** "ok", or the resolver's error code (ENOTFOUND is NXDOMAIN, ENODATA is NODATA). */
  readonly result: string;
  readonly records: number;
}

export interface ResolvedEndpoint {
  readonly address: string;
  readonly host: string;
  readonly port: number;
  /** The record's TTL in seconds; null for an IP literal (no DNS). */
  readonly ttlSeconds: number | null;
}

export interface DnsReport {
  readonly server: string;
  readonly serverSource: ServerSource;
  readonly addressFamily: AddressFamily;
  /** The names tried, in order (the search list applied as resolver(5) does). */
  readonly candidates: readonly string[];
  /** The name that answered; null for an IP literal. */
  readonly matched: string | null;
  readonly queries: readonly QueryLog[];
  /** Records dropped because they cannot be an endpoint. */
  readonly ignored: readonly string[];
}

export interface Resolution {
  readonly dns: DnsReport | null;
  readonly endpoints: readonly ResolvedEndpoint[];
}

/** Keeps every answer, for the report: the lookup keeps only the smallest TTL. */
class RecordingQuerier implements DnsQuerier {
  readonly answers: { name: string; family: Family; result: QueryResult }[] = [];

  constructor(private readonly inner: DnsQuerier) {}

  async query(name: string, family: Family): Promise<QueryResult> {
    const result = await this.inner.query(name, family);
    this.answers.push({ name, family, result });
    return result;
  }

  cancel(): void {
    this.inner.cancel();
  }
}

export async function resolveTarget(target: DnsPollTarget, settings: DnsSettings): Promise<Resolution> {
  if (target.literal) {
    const { host, port } = target.literal;
    return {
      dns: null,
      endpoints: [{ address: formatHostPort(target.literal), host, port, ttlSeconds: null }],
    };
  }
  const plan = planLookup(target, settings.resolvConfPath);
  // --dns-server replaces whatever the resolver would have asked.
  const { servers, source }: { servers: readonly string[]; source: ServerSource } = settings.dnsServer
    ? { servers: [formatHostPort(settings.dnsServer)], source: 'flag' }
    : plan;
  const candidates = plan.candidates;
  const client = new WireDnsQuerier(servers, settings.dnsTimeoutMs, settings.dnsTries);
  const querier = new RecordingQuerier(client);
  // Without servers, the client's own: the system's, as Node's default resolver reads them.
  const server = (servers.length > 0 ? servers : client.servers()).join(', ');
  const outcome = await new EndpointLookup(querier, candidates, target.port, settings.addressFamily).lookup();
  const queries = querier.answers.map(({ name, family, result }) => ({
    name,
    family,
    result: result.ok ? 'ok' : result.code,
    records: result.ok ? result.records.length : 0,
  }));
  const dns = (matched: string | null, ignored: readonly string[] = []): DnsReport => ({
    server,
    serverSource: source,
    addressFamily: settings.addressFamily,
    candidates,
    matched,
    queries,
    ignored,
  });
  switch (outcome.kind) {
    case 'endpoints': {
      const ttls = new Map<string, number>();
      for (const a of querier.answers) {
        if (a.name !== outcome.name || !a.result.ok) continue;
        for (const r of a.result.records) ttls.set(r.address, Math.min(r.ttl, ttls.get(r.address) ?? r.ttl));
      }
      const endpoints = outcome.endpoints.map((e) => ({
        address: formatHostPort(e),
        host: e.host,
        port: e.port,
        ttlSeconds: ttls.get(e.host) ?? outcome.ttlSeconds,
      }));
      return { dns: dns(outcome.name, outcome.ignored), endpoints };
    }
    case 'empty':
      throw new DnsError(emptyMessage(target, candidates, queries, server), dns(null));
    case 'failure':
      throw new DnsError(
        failureMessage(outcome.name, outcome.code, outcome.message, server, settings),
        dns(null),
      );
  }
}

/** A DNS lookup found nothing usable: exit status 2, and the report so far for --json. */
export class DnsError extends CliError {
  constructor(
    message: string,
    readonly dns: DnsReport,
  ) {
    super(message, 2);
  }
}

function emptyMessage(
  target: DnsPollTarget,
  candidates: readonly string[],
  queries: readonly QueryLog[],
  server: string,
): string {
  const tried = candidates.length > 1 ? `; tried ${candidates.join(', ')}` : '';
  const nxdomain = queries.every((q) => q.result === 'ENOTFOUND');
  return nxdomain
    ? `no endpoints: ${target.name} does not exist (NXDOMAIN from ${server}${tried})`
    : `no endpoints: ${target.name} has no address records (NODATA from ${server}${tried})`;
}

function failureMessage(
  name: string,
  code: string,
  message: string,
  server: string,
  settings: DnsSettings,
): string {
  switch (code) {
    case 'ECONNREFUSED':
      return `DNS server ${server} is unreachable: connection refused (ECONNREFUSED) while looking up ${name}`;
    case 'ETIMEOUT':
      return (
        `DNS server ${server} is unreachable: no answer for ${name} within ` +
        `${settings.dnsTimeoutMs} ms × ${settings.dnsTries} tries (ETIMEOUT)`
      );
    case 'ESERVFAIL':
      return `DNS server ${server} answered SERVFAIL for ${name}`;
    case 'EREFUSED':
      return `DNS server ${server} refused the query for ${name} (REFUSED)`;
    default:
      return `DNS lookup of ${name} at ${server} failed: ${code} (${message})`;
  }
}
