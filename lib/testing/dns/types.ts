// The interface shared by both cluster DNS backends (in-process on dns-packet, dnsmasq).

export interface ARecord {
  readonly type: 'A';
  readonly name: string;
  readonly address: string;
  /** Seconds; defaults to the server's TTL. The dnsmasq backend has one TTL for all records. */
  readonly ttl?: number;
}

export interface AaaaRecord {
  readonly type: 'AAAA';
  readonly name: string;
  readonly address: string;
  readonly ttl?: number;
}

export interface SrvRecord {
  readonly type: 'SRV';
  readonly name: string;
  readonly target: string;
  readonly port: number;
  readonly priority: number;
  readonly weight: number;
  readonly ttl?: number;
}

export type DnsRecord = ARecord | AaaaRecord | SrvRecord;

/**
 * Runtime failure injection. 'timeout' drops queries; 'down' closes the sockets (clients get
 * ECONNREFUSED) and 'none' brings the server back on the same port.
 */
export type DnsFault =
  | 'none'
  | 'servfail'
  | 'refused'
  | 'timeout'
  | 'down'
  | { readonly kind: 'delay'; readonly ms: number };

export type DnsRcodeName = 'NOERROR' | 'SERVFAIL' | 'NXDOMAIN' | 'NOTIMP' | 'REFUSED' | 'DROPPED';

export interface DnsQueryLogEntry {
  /** Date.now() when the query arrived. */
  readonly time: number;
  readonly name: string;
  readonly type: string;
  /** Unknown (undefined) for the dnsmasq backend, whose log does not say. */
  readonly transport: 'udp' | 'tcp' | undefined;
  /** The client's port (one per UDP socket or TCP connection); undefined for dnsmasq. */
  readonly sourcePort: number | undefined;
  /** 'DROPPED' for the 'timeout' fault; undefined for the dnsmasq backend. */
  readonly rcode: DnsRcodeName | undefined;
  /** Number of answer records sent (before any truncation); undefined for dnsmasq. */
  readonly answers: number | undefined;
  readonly truncated: boolean;
}

export type DnsBackendKind = 'dnsmasq' | 'inprocess';

export interface ClusterDns {
  readonly kind: DnsBackendKind;
  /** "host:port", e.g. "127.0.53.1:24817", usable with Resolver#setServers and dns-poll targets. */
  readonly address: string;
  readonly host: string;
  readonly port: number;
  /** The zone served authoritatively, without the trailing dot ("cluster.local"). */
  readonly zone: string;
  readonly fault: DnsFault;
  /** Replaces the whole record set; resolves once the new set is what queries get. */
  publish(records: readonly DnsRecord[]): Promise<void>;
  setFault(fault: DnsFault): Promise<void>;
  readonly queries: readonly DnsQueryLogEntry[];
  clearQueries(): void;
  close(): Promise<void>;
}

export function formatFault(fault: DnsFault): string {
  return typeof fault === 'string' ? fault : `delay ${fault.ms}ms`;
}
