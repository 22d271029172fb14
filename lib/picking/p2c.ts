import type { RandomSource } from '../common/clock.js';

/**
 * Extra draws when one of the first two choices cannot be used (ejected at pick time, tried by this
 * call already, held back by slow start): enough to find a partner when most endpoints are usable,
 * bounded so a pick stays O(1).
 */
const EXTRA_DRAWS = 4;

/**
 * Power of two choices: two distinct endpoints at random, the cheaper wins (ties to the first,
 * itself uniform, so equal endpoints share evenly). Indexes into a list of `n`; `usable` and `cost`
 * are the caller's, created once. Returns -1 when no endpoint is usable.
 * O(1) while usable endpoints are common; a scan only when the draws found none.
 */
export function powerOfTwoChoices(
  n: number,
  random: RandomSource,
  usable: (index: number) => boolean,
  cost: (index: number) => number,
  /** Costs within this ratio are a tie, won by the first choice (1: strictly the cheaper). */
  tolerance = 1,
): number {
  if (n <= 1) return n === 1 && usable(0) ? 0 : -1;
  const i = Math.floor(random() * n);
  let j = Math.floor(random() * (n - 1));
  if (j >= i) j += 1;
  const iUsable = usable(i);
  const jUsable = usable(j);
  if (iUsable && jUsable) return better(cost, tolerance, i, j);
  let found = iUsable ? i : jUsable ? j : -1;
  for (let draw = 0; draw < EXTRA_DRAWS; draw++) {
    const k = Math.floor(random() * n);
    if (k === found || !usable(k)) continue;
    if (found < 0) found = k;
    else return better(cost, tolerance, found, k);
  }
  if (found >= 0) return found;
  const start = Math.floor(random() * n);
  for (let step = 0; step < n; step++) {
    const k = (start + step) % n;
    if (usable(k)) return k;
  }
  return -1;
}

/** The second wins only when clearly cheaper; the first is itself uniform, so ties spread evenly. */
function better(cost: (index: number) => number, tolerance: number, first: number, second: number): number {
  return cost(second) * tolerance < cost(first) ? second : first;
}
