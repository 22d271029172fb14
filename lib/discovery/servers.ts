import { RESOLVER_DEFAULTS } from '../config/defaults.js';
import { candidateNames, readResolvConf } from './resolv-conf.js';
import { type DnsPollTarget, formatHostPort } from './target.js';

/** Where the servers asked come from. */
export type DnsServerSource = 'target' | 'resolv.conf' | 'system';

/** Which servers a lookup of `target` asks, and the names it tries (after the search list). */
export interface DnsLookupPlan {
  /** Empty: the system's servers, as Node's default resolver reads them (the system resolv.conf). */
  readonly servers: readonly string[];
  readonly source: DnsServerSource;
  readonly candidates: readonly string[];
}

/**
 * The resolver's choice, shared with `inspect` so both ask the same servers for the same names:
 * the target's DNS server; else the nameservers of a resolv.conf other than the system's (Node's
 * resolver reads the system one, another file's must be set explicitly); else the system's.
 * Reads the resolv.conf (an explicitly named one must exist).
 */
export function planLookup(target: DnsPollTarget, resolvConfPath: string): DnsLookupPlan {
  const ownConf = resolvConfPath !== RESOLVER_DEFAULTS.resolvConfPath;
  const conf = readResolvConf(resolvConfPath, ownConf);
  const candidates = candidateNames(target.name, target.absolute, conf);
  if (target.dnsServer) return { servers: [formatHostPort(target.dnsServer)], source: 'target', candidates };
  if (ownConf && conf.nameservers.length > 0) {
    return { servers: [...conf.nameservers], source: 'resolv.conf', candidates };
  }
  return { servers: [], source: 'system', candidates };
}
