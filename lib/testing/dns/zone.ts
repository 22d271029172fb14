// The authoritative answer logic of the in-process server, kept free of sockets so it is easy to
// reason about: CoreDNS-like NXDOMAIN for names with no records, NODATA for other types.
import type { Answer } from 'dns-packet';
import type { DnsRcodeName, DnsRecord } from './types.js';

export interface ZoneAnswer {
  readonly rcode: DnsRcodeName;
  readonly authoritative: boolean;
  readonly answers: Answer[];
  readonly additionals: Answer[];
}

export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.+$/, '');
}

export class Zone {
  readonly origin: string;
  private readonly defaultTtl: number;
  private byName = new Map<string, DnsRecord[]>();

  constructor(origin: string, defaultTtl: number) {
    this.origin = normalizeName(origin);
    this.defaultTtl = defaultTtl;
  }

  replace(records: readonly DnsRecord[]): void {
    const next = new Map<string, DnsRecord[]>();
    for (const record of records) {
      const name = normalizeName(record.name);
      if (!this.contains(name)) throw new Error(`record ${record.name} is outside the zone ${this.origin}`);
      const list = next.get(name) ?? [];
      list.push(record);
      next.set(name, list);
    }
    this.byName = next;
  }

  contains(name: string): boolean {
    const n = normalizeName(name);
    return n === this.origin || n.endsWith(`.${this.origin}`);
  }

  answer(name: string, type: string): ZoneAnswer {
    const n = normalizeName(name);
    if (!this.contains(n)) return { rcode: 'REFUSED', authoritative: false, answers: [], additionals: [] };
    const records = this.byName.get(n);
    if (!records || records.length === 0) {
      return { rcode: 'NXDOMAIN', authoritative: true, answers: [], additionals: [] };
    }
    const matching = records.filter((r) => type === 'ANY' || r.type === type);
    const answers = matching.map((r) => this.toAnswer(name, r));
    const additionals: Answer[] = [];
    for (const record of matching) {
      if (record.type !== 'SRV') continue;
      for (const target of this.byName.get(normalizeName(record.target)) ?? []) {
        if (target.type !== 'SRV') additionals.push(this.toAnswer(record.target, target));
      }
    }
    return { rcode: 'NOERROR', authoritative: true, answers, additionals };
  }

  private toAnswer(name: string, record: DnsRecord): Answer {
    const ttl = record.ttl ?? this.defaultTtl;
    if (record.type === 'SRV') {
      const { target, port, priority, weight } = record;
      return { type: 'SRV', name, ttl, class: 'IN', data: { target, port, priority, weight } };
    }
    return { type: record.type, name, ttl, class: 'IN', data: record.address };
  }
}
