import type { RandomSource } from '../common/clock.js';

/** Below 2^30 the counter stays a V8 small integer: incrementing it never allocates. */
const COUNTER_RANGE = 2 ** 30;

/**
 * The round-robin position, kept by the policy rather than by each picker, so the rotation goes on
 * across picker swaps (an endpoint connecting or leaving). Starts at a random index so that many
 * clients do not all begin on the same pod.
 */
export class RoundRobinCursor {
  private counter: number;

  constructor(random: RandomSource) {
    this.counter = Math.floor(random() * COUNTER_RANGE);
  }

  /** The index to use among `size` ready endpoints (size > 0). O(1), no allocation. */
  next(size: number): number {
    const index = this.counter % size;
    this.counter = this.counter + 1 >= COUNTER_RANGE ? 0 : this.counter + 1;
    return index;
  }
}
