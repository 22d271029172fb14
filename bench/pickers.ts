// The pure pickers of figure 3, one row per policy: how to make a picker over `n` ready endpoints
// that returns the index of the endpoint chosen. Adding thick_p2c is one import from lib/picking
// and one entry here.
import { RoundRobinCursor } from '../lib/picking/round-robin.js';

export interface PickerSpec {
  readonly policy: string;
  /** What exactly is timed. */
  readonly what: string;
  create(endpoints: number): () => number;
}

export const PICKERS: readonly PickerSpec[] = Object.freeze([
  {
    policy: 'thick_round_robin',
    what: 'RoundRobinCursor.next(n) (lib/picking/round-robin.ts)',
    create: (n: number) => {
      const cursor = new RoundRobinCursor(Math.random);
      return () => cursor.next(n);
    },
  },
]);
