import type { AddressFamily } from '../config/defaults.js';
import { combineAnswers, type Family, type LookupOutcome, type QueryResult } from './answer.js';

/** Asks one DNS question. The Node implementation sits in dns-client.ts; tests pass fakes. */
export interface DnsQuerier {
  query(name: string, family: Family): Promise<QueryResult>;
  /** Abandons queries in flight (their promises settle with an error). */
  cancel(): void;
}

const FAMILIES: Readonly<Record<AddressFamily, readonly Family[]>> = {
  any: [4, 6],
  ipv4: [4],
  ipv6: [6],
};

/**
 * Resolves the first candidate name that has records (the search-list walk). A candidate that
 * does not exist moves on to the next; a failing one ends the walk as a failure, because a later
 * candidate could be a different service that merely happens to exist.
 */
export async function lookupEndpoints(
  querier: DnsQuerier,
  candidates: readonly string[],
  port: number,
  family: AddressFamily,
): Promise<LookupOutcome> {
  const reasons: string[] = [];
  for (const name of candidates) {
    const results = await Promise.all(
      FAMILIES[family].map(async (f) => ({ family: f, result: await querier.query(name, f) })),
    );
    const outcome = combineAnswers(name, port, results);
    if (outcome.kind !== 'empty') return outcome;
    reasons.push(outcome.reason);
  }
  return { kind: 'empty', names: candidates, reason: [...new Set(reasons)].join('/') };
}
