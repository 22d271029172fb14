import type { AddressFamily } from '../config/defaults.js';
import { combineAnswers, type Family, isNegative, type LookupOutcome, type QueryResult } from './answer.js';

/** Asks one DNS question. The implementation sits in dns-client.ts; tests pass fakes. */
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

type FamilyResult = { readonly family: Family; readonly result: QueryResult };
type EndpointsOutcome = Extract<LookupOutcome, { kind: 'endpoints' }>;

/** The last endpoint set, and what its answers looked like: one token per family. */
interface Previous {
  readonly name: string;
  readonly tokens: readonly string[];
  readonly outcome: EndpointsOutcome;
}

/**
 * Resolves the first candidate name that has records (the search-list walk). A candidate that
 * does not exist moves on to the next; a failing one ends the walk as a failure, because a later
 * candidate could be a different service that merely happens to exist.
 *
 * One per resolver: when every family's answer for the name that answered last time has the same
 * identity (or the same NXDOMAIN/NODATA), the previous outcome is returned again, its endpoints
 * and key untouched (the poller then sees no change), with the new TTL. Nothing is decoded.
 */
export class EndpointLookup {
  private previous: Previous | null = null;

  constructor(
    private readonly querier: DnsQuerier,
    private readonly candidates: readonly string[],
    private readonly port: number,
    private readonly family: AddressFamily,
  ) {}

  async lookup(): Promise<LookupOutcome> {
    const reasons: string[] = [];
    for (const name of this.candidates) {
      const results = await Promise.all(
        FAMILIES[this.family].map(async (f) => ({ family: f, result: await this.querier.query(name, f) })),
      );
      const outcome = this.combine(name, results);
      if (outcome.kind !== 'empty') return outcome;
      reasons.push(outcome.reason);
    }
    return { kind: 'empty', names: this.candidates, reason: [...new Set(reasons)].join('/') };
  }

  private combine(name: string, results: readonly FamilyResult[]): LookupOutcome {
    const tokens = tokensOf(results);
    const previous = this.previous;
    if (tokens && previous?.name === name && sameTokens(tokens, previous.tokens)) {
      const ttlSeconds = smallestTtl(results);
      if (ttlSeconds === previous.outcome.ttlSeconds) return previous.outcome;
      const outcome: EndpointsOutcome = { ...previous.outcome, ttlSeconds };
      this.previous = { name, tokens, outcome };
      return outcome;
    }
    const outcome = combineAnswers(name, this.port, results);
    if (outcome.kind === 'endpoints') {
      // With unusable records ignored, the smallest TTL leaves them out: only the full path knows it.
      this.previous = tokens && outcome.ignored.length === 0 ? { name, tokens, outcome } : null;
    }
    return outcome;
  }
}

/** "+identity" per answer, "-CODE" per NXDOMAIN/NODATA; null when a result has no identity. */
function tokensOf(results: readonly FamilyResult[]): string[] | null {
  const tokens: string[] = [];
  for (const { result } of results) {
    if (result.ok) {
      if (result.identity === undefined || result.ttlSeconds === undefined) return null;
      tokens.push(`+${result.identity}`);
    } else if (isNegative(result)) {
      tokens.push(`-${result.code}`);
    } else {
      return null;
    }
  }
  return tokens;
}

function sameTokens(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((token, i) => token === b[i]);
}

function smallestTtl(results: readonly FamilyResult[]): number {
  let ttl = Number.POSITIVE_INFINITY;
  for (const { result } of results) if (result.ok) ttl = Math.min(ttl, result.ttlSeconds ?? ttl);
  return ttl;
}
