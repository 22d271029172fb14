import { isIPv4, isIPv6 } from 'node:net';
import { formatHostPort, type HostAndPort } from './target.js';

export interface AddressRecord {
  readonly address: string;
  readonly ttl: number;
}

export type Family = 4 | 6;

/** One query's result: records, or the error code as Node's resolver names it (ENOTFOUND, ESERVFAIL, ...). */
export type QueryResult =
  | {
      readonly ok: true;
      readonly records: readonly AddressRecord[];
      /**
       * Equal for equal address sets (any order, duplicates collapsed), so an unchanged answer is
       * recognised without reading its records; absent, every answer is read in full.
       */
      readonly identity?: string;
      /** The smallest TTL of the records, given with `identity`. */
      readonly ttlSeconds?: number;
    }
  | { readonly ok: false; readonly code: string; readonly message: string };

/** What one DNS lookup of the target means for the endpoint set. */
export type LookupOutcome =
  | {
      readonly kind: 'endpoints';
      /** The name that answered (after the search list). */
      readonly name: string;
      readonly endpoints: readonly HostAndPort[];
      /** Canonical form of the set: equal keys mean the same endpoints, whatever the answer order. */
      readonly key: string;
      /** Smallest TTL in the answer, in seconds. */
      readonly ttlSeconds: number;
      /** Records dropped because they cannot be an endpoint (0.0.0.0, multicast, ...). */
      readonly ignored: readonly string[];
    }
  | { readonly kind: 'empty'; readonly names: readonly string[]; readonly reason: string }
  | { readonly kind: 'failure'; readonly name: string; readonly code: string; readonly message: string };

/**
 * Authoritative "there is nothing": NXDOMAIN (the Service has no ready pod, CoreDNS behaviour) or
 * NODATA (no record of this type). Every other error (SERVFAIL, REFUSED, timeouts, an unreachable
 * server, a garbled answer) says nothing about the pods, so the last good set is kept.
 */
const NEGATIVE_CODES: ReadonlySet<string> = new Set(['ENOTFOUND', 'ENODATA']);

export function isNegative(result: QueryResult): boolean {
  return !result.ok && NEGATIVE_CODES.has(result.code);
}

/** Why an address cannot be an endpoint, or undefined when it can. */
export function unusableReason(address: string, family: Family): string | undefined {
  if (family === 4) {
    if (!isIPv4(address)) return 'not an IPv4 address';
    const first = Number(address.split('.')[0]);
    if (address === '0.0.0.0') return 'unspecified address';
    if (address === '255.255.255.255') return 'broadcast address';
    if (first >= 224) return first < 240 ? 'multicast address' : 'reserved address';
    return undefined;
  }
  if (!isIPv6(address)) return 'not an IPv6 address';
  const lower = address.toLowerCase();
  if (lower === '::') return 'unspecified address';
  if (lower.startsWith('ff')) return 'multicast address';
  return undefined;
}

/**
 * Combines the A and AAAA answers for one name. Any non-negative error fails the whole lookup:
 * publishing only the family that happened to answer would drop the other family's pods.
 */
export function combineAnswers(
  name: string,
  port: number,
  results: readonly { family: Family; result: QueryResult }[],
): LookupOutcome {
  const byKey = new Map<string, HostAndPort>();
  const ignored: string[] = [];
  let ttlSeconds = Number.POSITIVE_INFINITY;
  for (const { family, result } of results) {
    if (!result.ok) {
      if (NEGATIVE_CODES.has(result.code)) continue;
      return { kind: 'failure', name, code: result.code, message: result.message };
    }
    for (const record of result.records) {
      const reason = unusableReason(record.address, family);
      if (reason) {
        ignored.push(`${record.address} (${reason})`);
        continue;
      }
      const endpoint = { host: record.address, port };
      byKey.set(formatHostPort(endpoint), endpoint);
      ttlSeconds = Math.min(ttlSeconds, record.ttl);
    }
  }
  if (byKey.size === 0) {
    if (ignored.length > 0) {
      return {
        kind: 'failure',
        name,
        code: 'EBADANSWER',
        message: `the answer for ${name} held no usable address: ${ignored.join(', ')}`,
      };
    }
    const codes = results.map(({ result }) => (result.ok ? 'no records' : result.code));
    return { kind: 'empty', names: [name], reason: [...new Set(codes)].join('/') };
  }
  const keys = [...byKey.keys()].sort();
  return {
    kind: 'endpoints',
    name,
    endpoints: Object.freeze(keys.map((k) => byKey.get(k)!)),
    key: keys.join(','),
    ttlSeconds,
    ignored,
  };
}
