import { promises as dns } from 'node:dns';
import { ThickConfigError } from '../config/errors.js';
import type { AddressRecord, Family, QueryResult } from './answer.js';
import type { DnsQuerier } from './lookup.js';

/** Queries A/AAAA straight from a DNS server with c-ares, as getaddrinfo would hide TTLs and every error. */
export class NodeDnsQuerier implements DnsQuerier {
  private readonly resolver: dns.Resolver;

  constructor(servers: readonly string[], timeoutMs: number, tries: number) {
    this.resolver = new dns.Resolver({ timeout: timeoutMs, tries });
    if (servers.length === 0) return;
    try {
      this.resolver.setServers([...servers]);
    } catch (error) {
      throw new ThickConfigError(
        'dns servers',
        `cannot use DNS server(s) ${servers.join(', ')}: ${(error as Error).message}`,
      );
    }
  }

  /** The servers actually asked, for log and error messages. */
  servers(): string[] {
    return this.resolver.getServers();
  }

  async query(name: string, family: Family): Promise<QueryResult> {
    try {
      const records: AddressRecord[] =
        family === 4
          ? await this.resolver.resolve4(name, { ttl: true })
          : await this.resolver.resolve6(name, { ttl: true });
      return { ok: true, records };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
      return { ok: false, code, message: (error as Error).message };
    }
  }

  cancel(): void {
    this.resolver.cancel();
  }
}
