import type { RandomSource } from '../common/clock.js';
import { RESOLVER_DEFAULTS } from '../config/defaults.js';
import type { ResolverOptions } from './options.js';

const MS_PER_SECOND = 1000;

/** Spreads `base` uniformly over ±`jitter` of itself. */
export function jittered(base: number, jitter: number, random: RandomSource): number {
  return base * (1 + jitter * (2 * random() - 1));
}

/**
 * Delay until the next poll after a good answer: the poll interval with jitter; with respectTtl,
 * never longer than the answer's TTL; never shorter than the re-resolution floor.
 */
export function nextPollDelay(
  options: Pick<ResolverOptions, 'pollIntervalMs' | 'pollJitter' | 'respectTtl' | 'minResolutionIntervalMs'>,
  ttlSeconds: number | undefined,
  random: RandomSource,
): number {
  let delay = jittered(options.pollIntervalMs, options.pollJitter, random);
  if (options.respectTtl && ttlSeconds !== undefined && Number.isFinite(ttlSeconds)) {
    delay = Math.min(delay, ttlSeconds * MS_PER_SECOND);
  }
  return Math.round(Math.max(delay, options.minResolutionIntervalMs));
}

/**
 * Exponential back-off between failed queries: starts at the re-resolution floor, multiplies up to
 * the poll interval, with jitter. A DNS outage is retried sooner than a healthy poll but never
 * hammered.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
    private readonly random: RandomSource,
    private readonly multiplier: number = RESOLVER_DEFAULTS.backoffMultiplier,
    private readonly jitter: number = RESOLVER_DEFAULTS.backoffJitter,
  ) {}

  next(): number {
    const base = Math.min(this.initialMs * this.multiplier ** this.attempt, this.maxMs);
    this.attempt++;
    return Math.round(
      Math.min(Math.max(jittered(base, this.jitter, this.random), this.initialMs), this.maxMs),
    );
  }

  reset(): void {
    this.attempt = 0;
  }
}
