import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../../lib/common/logger.js';
import { Membership } from '../../lib/membership/membership.js';
import { RoundRobinCursor } from '../../lib/picking/round-robin.js';
import { FakeClock } from '../helpers/fake-clock.js';

class FakeChild {
  destroyed = 0;
  constructor(readonly key: string) {}
  destroy(): void {
    this.destroyed++;
  }
}

function setup(drainTimeoutMs = 30000) {
  const clock = new FakeClock();
  const created: FakeChild[] = [];
  const m = new Membership<string, FakeChild>({
    create: (key) => {
      const child = new FakeChild(key);
      created.push(child);
      return child;
    },
    drainTimeoutMs: () => drainTimeoutMs,
    clock,
    logger: silentLogger,
  });
  const set = (...keys: string[]) => m.update(new Map(keys.map((k) => [k, k])));
  return { m, clock, created, set };
}

describe('Membership (diffs and drain)', () => {
  it('adds and removes only what changed, leaving the others untouched', () => {
    const { m, created, set } = setup();
    set('a', 'b', 'c');
    const kept = [...m.active.values()].map((x) => x.child);
    const diff = set('b', 'c', 'd');
    assert.deepEqual(diff, { added: ['d'], removed: ['a'], restored: [] });
    assert.equal(created.length, 4, 'one new child for one new endpoint');
    assert.equal(m.active.get('b')!.child, kept[1]);
    assert.equal(m.active.get('c')!.child, kept[2]);
    assert.equal(kept[1]!.destroyed + kept[2]!.destroyed, 0);
  });

  it('an unchanged set in another order changes nothing', () => {
    const { set, created } = setup();
    set('a', 'b');
    assert.deepEqual(set('b', 'a'), { added: [], removed: [], restored: [] });
    assert.equal(created.length, 2);
  });

  it('closes a removed endpoint with no calls at once', () => {
    const { m, set, created } = setup();
    set('a', 'b');
    set('b');
    assert.equal(created[0]!.destroyed, 1);
    assert.equal(m.draining.size, 0);
  });

  it('drains a removed endpoint until its calls finish', () => {
    const { m, set, created } = setup();
    set('a', 'b');
    const a = m.active.get('a')!;
    m.callStarted(a);
    m.callStarted(a);
    set('b');
    assert.equal(created[0]!.destroyed, 0);
    assert.ok(m.draining.has('a'));
    m.callEnded(a);
    assert.equal(created[0]!.destroyed, 0);
    m.callEnded(a);
    assert.equal(created[0]!.destroyed, 1);
    assert.equal(m.draining.size, 0);
    m.callEnded(a);
    assert.equal(created[0]!.destroyed, 1, 'late callbacks do nothing');
  });

  it('cuts a drain short at the timeout', async () => {
    const { m, set, created, clock } = setup(5000);
    set('a');
    m.callStarted(m.active.get('a')!);
    set();
    await clock.advance(4999);
    assert.equal(created[0]!.destroyed, 0);
    await clock.advance(1);
    assert.equal(created[0]!.destroyed, 1);
  });

  it('closes a draining endpoint whose connection dropped', () => {
    const { m, set, created } = setup();
    set('a');
    const a = m.active.get('a')!;
    m.callStarted(a);
    set();
    m.connectionLost(a);
    assert.equal(created[0]!.destroyed, 1);
  });

  it('restores an endpoint that comes back while draining, with its connection', async () => {
    const { m, set, created, clock } = setup(5000);
    set('a');
    const a = m.active.get('a')!;
    m.callStarted(a);
    set();
    assert.deepEqual(set('a'), { added: [], removed: [], restored: ['a'] });
    await clock.advance(10000);
    assert.equal(created.length, 1);
    assert.equal(created[0]!.destroyed, 0, 'the drain timer was cancelled');
    assert.equal(m.active.get('a'), a);
  });

  it('destroys everything on destroy', () => {
    const { m, set, created } = setup();
    set('a', 'b');
    m.callStarted(m.active.get('a')!);
    set('b');
    m.destroy();
    assert.deepEqual(
      created.map((c) => c.destroyed),
      [1, 1],
    );
    assert.equal(m.active.size + m.draining.size, 0);
  });
});

describe('RoundRobinCursor', () => {
  it('cycles through every index evenly from a random start', () => {
    const cursor = new RoundRobinCursor(() => 0.37);
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) counts[cursor.next(3)]!++;
    assert.deepEqual(counts, [1000, 1000, 1000]);
  });

  it('starts at different places for different random values', () => {
    const starts = new Set([0.1, 0.4, 0.7].map((r) => new RoundRobinCursor(() => r).next(3)));
    assert.ok(starts.size > 1);
  });
});
