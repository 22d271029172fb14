import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { powerOfTwoChoices } from '../../lib/picking/p2c.js';
import { seededRandom } from '../helpers/random.js';

const always = () => true;

describe('power of two choices', () => {
  it('compares two distinct endpoints, and takes the cheaper', () => {
    const random = seededRandom(1);
    for (const n of [2, 3, 10]) {
      for (let i = 0; i < 1000; i++) {
        const compared: number[] = [];
        const chosen = powerOfTwoChoices(n, random, always, (k) => {
          compared.push(k);
          return k;
        });
        assert.equal(compared.length, 2);
        assert.notEqual(compared[0], compared[1], 'two distinct choices');
        assert.equal(chosen, Math.min(compared[0]!, compared[1]!));
      }
    }
  });

  it('with one endpoint, returns it when usable and -1 otherwise; with two, the usable one', () => {
    const random = seededRandom(2);
    const choose = (n: number, usable: (k: number) => boolean) =>
      powerOfTwoChoices(n, random, usable, () => 0);
    const never = () => false;
    assert.equal(choose(1, always), 0);
    assert.equal(choose(1, never), -1);
    assert.equal(choose(0, always), -1);
    for (let i = 0; i < 100; i++) {
      assert.equal(
        choose(2, (k) => k === 1),
        1,
      );
      assert.equal(choose(2, never), -1);
    }
  });

  it('spreads evenly over equal endpoints', () => {
    const random = seededRandom(3);
    const n = 10;
    const picks = 100_000;
    const counts = new Array<number>(n).fill(0);
    for (let i = 0; i < picks; i++) counts[powerOfTwoChoices(n, random, always, () => 1)]! += 1;
    for (const c of counts) assert.ok(Math.abs(c / picks - 1 / n) < 0.01, `share ${c / picks}`);
  });

  it('never picks the strictly most expensive endpoint when all are usable', () => {
    const random = seededRandom(4);
    for (let i = 0; i < 10_000; i++) {
      assert.notEqual(
        powerOfTwoChoices(5, random, always, (k) => (k === 3 ? 100 : 1)),
        3,
      );
    }
  });

  it('with a tolerance, costs close to each other are a tie (even split) and clearly different ones are not', () => {
    const random = seededRandom(7);
    const counts = [0, 0];
    for (let i = 0; i < 10_000; i++)
      counts[powerOfTwoChoices(2, random, always, (k) => (k === 0 ? 1 : 1.4), 1.5)]! += 1;
    assert.ok(Math.abs(counts[0]! - counts[1]!) < 500, `a tie: ${counts}`);
    for (let i = 0; i < 1000; i++) {
      assert.equal(
        powerOfTwoChoices(2, random, always, (k) => (k === 0 ? 1 : 2), 1.5),
        0,
        'twice the cost loses',
      );
    }
  });

  it('finds the usable endpoints when most are not, and never returns an unusable one', () => {
    const random = seededRandom(5);
    const counts = new Map<number, number>();
    for (let i = 0; i < 10_000; i++) {
      const k = powerOfTwoChoices(
        1000,
        random,
        (x) => x === 7 || x === 900,
        () => 0,
      );
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    assert.deepEqual(
      [...counts.keys()].sort((a, b) => a - b),
      [7, 900],
    );
  });
});
