// EndpointSlice → CoreDNS: the DNS records a headless Service gets for its ready pods.
import type { DnsRecord } from '../dns/types.js';

export interface ServiceNames {
  /** "<service>.<namespace>.svc.<domain>" */
  readonly fqdn: string;
  /** "_<portName>._<protocol>.<fqdn>" */
  readonly srvName: string;
  readonly port: number;
}

/** CoreDNS names endpoints without a hostname by their dashed IP: 127-1-2-3.<fqdn>. */
export function dashedTarget(ip: string, fqdn: string): string {
  return `${ip.replace(/[.:]/g, '-')}.${fqdn}`;
}

/** CoreDNS (plugin/backend_lookup.go) gives each of N records of one priority weight floor(100/N). */
export function srvWeight(count: number): number {
  return Math.floor(100 / count);
}

/**
 * A/AAAA per ready pod at the service name and at its dashed-IP target, and (if `srv`) one SRV per
 * pod. No ready pods → no records at all, so the name is NXDOMAIN.
 */
export function serviceRecords(names: ServiceNames, readyIps: readonly string[], srv: boolean): DnsRecord[] {
  const records: DnsRecord[] = [];
  for (const ip of readyIps) {
    const type = ip.includes(':') ? 'AAAA' : 'A';
    records.push({ type, name: names.fqdn, address: ip });
    records.push({ type, name: dashedTarget(ip, names.fqdn), address: ip });
  }
  if (srv) {
    const weight = srvWeight(readyIps.length);
    for (const ip of readyIps) {
      records.push({
        type: 'SRV',
        name: names.srvName,
        target: dashedTarget(ip, names.fqdn),
        port: names.port,
        priority: 0,
        weight,
      });
    }
  }
  return records;
}
