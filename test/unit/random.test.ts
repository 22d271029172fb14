import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { powerOfTwoChoices } from '../../lib/picking/p2c.js';
import { fastRandom } from '../../lib/picking/random.js';

const draws = (random: () => number, n: number) => Array.from({ length: n }, () => random());

describe('fastRandom (thick_p2c random source)', () => {
  it('is deterministic for a seed, in [0, 1), and differs between seeds', () => {
    const a = draws(fastRandom([1, 2, 3, 4]), 1000);
    assert.deepEqual(draws(fastRandom([1, 2, 3, 4]), 1000), a);
    assert.notDeepEqual(draws(fastRandom([1, 2, 3, 5]), 1000), a);
    for (const x of a) assert.ok(x >= 0 && x < 1, String(x));
  });

  it('an all-zero seed does not stay at zero', () => {
    const values = draws(fastRandom([0, 0, 0, 0]), 100);
    assert.ok(new Set(values).size > 90, 'varied values');
  });

  it('is seeded from the system when no seed is given', () => {
    assert.notDeepEqual(draws(fastRandom(), 8), draws(fastRandom(), 8));
  });

  it('is uniform: 10 bins within 1 % over 200000 draws, and two choices spread evenly', () => {
    const random = fastRandom([7, 11, 13, 17]);
    const bins = new Array<number>(10).fill(0);
    const n = 200_000;
    for (let i = 0; i < n; i++) bins[Math.floor(random() * 10)]! += 1;
    for (const c of bins) assert.ok(Math.abs(c / n - 0.1) < 0.01, `bin share ${c / n}`);
    const counts = new Array<number>(5).fill(0);
    const equal = () => 1;
    const always = () => true;
    for (let i = 0; i < 50_000; i++) counts[powerOfTwoChoices(5, random, always, equal)]! += 1;
    for (const c of counts) assert.ok(Math.abs(c / 50_000 - 0.2) < 0.01, `share ${c / 50_000}`);
  });
});
