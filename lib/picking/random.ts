// The random source of the per-call choices. Math.random is a builtin V8 does not inline, so each
// call returns its double as a new heap object (16 B per draw, two or more draws per pick); a small
// JS generator is inlined into the chooser and returns its double in a register.
import { randomFillSync } from 'node:crypto';
import type { RandomSource } from '../common/clock.js';

const STATE_WORDS = 4;
const TWO_POW_32 = 2 ** 32;
/** Marsaglia's xorshift128 shifts (a, b, c). */
const SHIFT_A = 11;
const SHIFT_B = 8;
const SHIFT_C = 19;

/**
 * Marsaglia's xorshift128 (period 2^128 − 1, the generator family of V8's own Math.random), seeded
 * from the system's CSPRNG unless `seed` is given. Uniform in [0, 1) at 32-bit resolution: far
 * finer than any endpoint list. Not for secrets. No allocation per draw.
 */
export function fastRandom(seed?: readonly number[]): RandomSource {
  const state = new Uint32Array(STATE_WORDS);
  if (seed) for (let i = 0; i < STATE_WORDS; i++) state[i] = seed[i] ?? 0;
  else randomFillSync(state);
  // An all-zero state would stay zero for ever.
  if (state.every((word) => word === 0)) state[0] = 1;
  return () => {
    let t = state[3]!;
    const s = state[0]!;
    state[3] = state[2]!;
    state[2] = state[1]!;
    state[1] = s;
    t ^= t << SHIFT_A;
    t ^= t >>> SHIFT_B;
    state[0] = t ^ s ^ (s >>> SHIFT_C);
    return state[0]! / TWO_POW_32;
  };
}
