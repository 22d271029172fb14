// Turns dnsmasq's --log-queries lines into query log entries.
import type { DnsRcodeName } from './types.js';

interface MutableQuery {
  time: number;
  name: string;
  type: string;
  transport: undefined;
  sourcePort: undefined;
  rcode: DnsRcodeName | undefined;
  answers: undefined;
  truncated: boolean;
}

// "dnsmasq[42]: query[A] echo.default.svc.cluster.local from 127.0.0.1"
const QUERY_LINE = /query\[(\w+)\] (\S+) from (\S+)/;
// "dnsmasq[42]: config x.cluster.local is NXDOMAIN", ".../hosts.d/hosts x is 127.1.2.3"
const REPLY_LINE = / is (\S+)/;

export class DnsmasqQueryLog {
  readonly entries: MutableQuery[] = [];
  private pending: MutableQuery | undefined;
  private readonly ignoredSource: string;
  private readonly maxEntries: number;

  /** Queries from `ignoredSource` (the harness' own probes) are not logged. */
  constructor(ignoredSource: string, maxEntries: number) {
    this.ignoredSource = ignoredSource;
    this.maxEntries = maxEntries;
  }

  clear(): void {
    this.entries.length = 0;
  }

  parse(line: string): void {
    const query = QUERY_LINE.exec(line);
    if (query) {
      const [, type = '', name = '', from = ''] = query;
      this.pending = undefined;
      if (from === this.ignoredSource) return;
      const entry: MutableQuery = {
        time: Date.now(),
        name,
        type,
        transport: undefined,
        sourcePort: undefined,
        rcode: undefined,
        answers: undefined,
        truncated: false,
      };
      this.entries.push(entry);
      if (this.entries.length > this.maxEntries) this.entries.splice(0, this.entries.length / 2);
      this.pending = entry;
      return;
    }
    const reply = REPLY_LINE.exec(line);
    if (reply && this.pending) {
      const value = reply[1] ?? '';
      this.pending.rcode =
        value === 'NXDOMAIN' || value === 'REFUSED' || value === 'SERVFAIL' ? value : 'NOERROR';
      this.pending = undefined;
    }
  }
}
