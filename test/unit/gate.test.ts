import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Logger } from '../../lib/common/logger.js';
import { parseRoundRobinConfig } from '../../lib/config/policy.js';
import { STATUS_CODES } from '../../lib/config/status-codes.js';
import { HealthGate } from '../../lib/health/gate.js';
import { FakeClock } from '../helpers/fake-clock.js';

const UNAVAILABLE = STATUS_CODES.UNAVAILABLE!;
const NOT_FOUND = STATUS_CODES.NOT_FOUND!;
const CANCELLED = STATUS_CODES.CANCELLED!;
const DEADLINE = STATUS_CODES.DEADLINE_EXCEEDED!;

function setup(config: object = {}, keys = ['a', 'b', 'c', 'd', 'e'], random = () => 0.5) {
  const clock = new FakeClock();
  const lines: string[] = [];
  const logger: Logger = {
    warn: (m) => lines.push(`warn ${m}`),
    info: (m) => lines.push(`info ${m}`),
    debug: () => {},
  };
  let changes = 0;
  const gate = new HealthGate(parseRoundRobinConfig(config).health, clock, random, logger, () => changes++);
  for (const k of keys) gate.add(k, false);
  const call = (key: string, code: number) =>
    gate.ended(key, gate.started(key, clock.now()), clock.now(), code);
  return { gate, clock, lines, call, changes: () => changes, keys };
}

describe('HealthGate', () => {
  it('counts only the configured failure codes toward ejection, and never CANCELLED', () => {
    const { gate, call, keys } = setup();
    for (let i = 0; i < 10; i++) call('a', NOT_FOUND);
    for (let i = 0; i < 10; i++) call('b', CANCELLED);
    for (let i = 0; i < 5; i++) call('c', UNAVAILABLE);
    assert.deepEqual(gate.pickSet(keys, (k) => k).candidates, ['a', 'b', 'd', 'e']);
  });

  it('rebuilds the pick set on ejection and logs it', () => {
    const { call, changes, lines } = setup();
    for (let i = 0; i < 5; i++) call('a', DEADLINE);
    assert.equal(changes(), 1);
    assert.ok(lines.some((l) => /^warn ejected a for 31\.5s \(consecutive failures, ejection #1\)/.test(l)));
  });

  it('enters panic below the threshold and leaves it, logging both', () => {
    const { gate, lines, keys } = setup();
    for (const k of ['a', 'b', 'c']) gate.setHealth(k, 'not_serving');
    const panic = gate.pickSet(keys, (k) => k);
    assert.equal(panic.panic, true);
    assert.deepEqual(panic.candidates, keys, 'in panic every connected endpoint is a candidate');
    assert.equal(gate.inPanic, true);
    gate.setHealth('a', 'serving');
    const calm = gate.pickSet(keys, (k) => k);
    assert.equal(calm.panic, false);
    assert.deepEqual(calm.candidates, ['a', 'd', 'e']);
    assert.ok(lines.some((l) => /^warn panic mode: only 2 of 5/.test(l)));
    assert.ok(lines.some((l) => /^info panic mode over: 3 of 5/.test(l)));
  });

  it('holds back a stalled endpoint at pick time', () => {
    const { gate, clock } = setup();
    gate.started('a', clock.now());
    gate.started('a', clock.now());
    assert.equal(gate.admits('a', 50, undefined, false), true);
    assert.equal(gate.admits('a', 150, undefined, false), false);
    assert.equal(gate.admits('b', 150, undefined, false), true);
    gate.connected('a');
    assert.equal(gate.admits('a', 150, undefined, false), true, 'a new connection starts afresh');
  });

  it('ramps a warming endpoint by weight when slow start is on', async () => {
    const { gate, clock } = setup({ slow_start: { window: '10s', min_weight_percent: 10 } }, [], () => 0.3);
    gate.add('new', true);
    assert.equal(gate.admits('new', clock.now(), undefined, false), false, 'weight 0.1 < 0.3');
    await clock.advance(5000);
    assert.equal(gate.admits('new', clock.now(), undefined, false), true, 'weight 0.5 > 0.3');
  });

  it('does not slow-start the first endpoints, nor when slow start is off', () => {
    const off = setup({}, [], () => 0.99);
    off.gate.add('x', true);
    assert.equal(off.gate.admits('x', 0, undefined, false), true);
    const on = setup({ slow_start: {} }, [], () => 0.99);
    on.gate.add('y', false);
    assert.equal(on.gate.admits('y', 0, undefined, false), true);
  });

  it('a connection failure counts toward ejection', () => {
    const { gate, keys } = setup();
    for (let i = 0; i < 5; i++) gate.connectionFailed('e');
    assert.deepEqual(gate.pickSet(keys, (k) => k).candidates, ['a', 'b', 'c', 'd']);
  });

  it('gives the median latency of its endpoints to newcomers', () => {
    const { gate } = setup({}, ['a', 'b', 'c']);
    gate.ended('a', gate.started('a', 0), 10, 0);
    gate.ended('b', gate.started('b', 0), 20, 0);
    gate.ended('c', gate.started('c', 0), 90, 0);
    assert.equal(gate.peerLatency(), 20);
  });
});

describe('probation trial', () => {
  it('a probation endpoint stays a candidate but takes one trial at a time, except in panic', async () => {
    const { gate, clock, call, keys } = setup();
    for (let i = 0; i < 5; i++) call('a', UNAVAILABLE);
    assert.ok(!gate.pickSet(keys, (k) => k).candidates.includes('a'), 'ejected');
    await clock.advance(33_000); // the ejection time with its jitter
    assert.ok(gate.pickSet(keys, (k) => k).candidates.includes('a'), 'on probation: a candidate');
    assert.equal(gate.admits('a', clock.now(), undefined, false), true);
    const trial = gate.started('a', clock.now());
    assert.equal(trial.trial, true);
    assert.equal(gate.admits('a', clock.now(), undefined, false), false, 'trial out: no second call');
    assert.equal(gate.admits('a', clock.now(), undefined, true), true, 'in panic everything goes');
    gate.ended('a', trial, clock.now(), 0);
    assert.equal(gate.admits('a', clock.now(), undefined, false), true, 'restored');
  });

  it('lets another trial go when the first never reported back', async () => {
    const { gate, clock, call } = setup();
    for (let i = 0; i < 5; i++) call('a', UNAVAILABLE);
    await clock.advance(33_000); // the ejection time with its jitter
    gate.started('a', clock.now()); // never ends
    assert.equal(gate.admits('a', clock.now(), undefined, false), false);
    await clock.advance(10_001);
    assert.equal(gate.admits('a', clock.now(), undefined, false), true);
  });

  it('an endpoint whose health check has not answered is not a candidate and not counted for panic', () => {
    const { gate } = setup({ health_check: {} }, []);
    for (const k of ['a', 'b', 'c']) gate.add(k, false);
    gate.setHealth('a', 'serving');
    const set = gate.pickSet(['a', 'b', 'c'], (k) => k);
    assert.deepEqual(set.candidates, ['a']);
    assert.equal(set.panic, false);
  });
});
