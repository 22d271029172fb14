import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AddressFamily } from '../../lib/config/defaults.js';
import { combineAnswers, type QueryResult, unusableReason } from '../../lib/discovery/answer.js';
import { type DnsQuerier, EndpointLookup } from '../../lib/discovery/lookup.js';

const ok = (...addresses: string[]): QueryResult => ({
  ok: true,
  records: addresses.map((address) => ({ address, ttl: 5 })),
});
const err = (code: string): QueryResult => ({ ok: false, code, message: `query failed ${code}` });

describe('DNS answer handling', () => {
  it('gives the same key for the same set in any order', () => {
    const a = combineAnswers('n', 80, [{ family: 4, result: ok('10.0.0.2', '10.0.0.1') }]);
    const b = combineAnswers('n', 80, [{ family: 4, result: ok('10.0.0.1', '10.0.0.2') }]);
    assert.equal(a.kind, 'endpoints');
    assert.equal(b.kind, 'endpoints');
    if (a.kind === 'endpoints' && b.kind === 'endpoints') {
      assert.equal(a.key, b.key);
      assert.deepEqual(a.endpoints, b.endpoints);
    }
  });

  it('changes the key when one endpoint changes', () => {
    const a = combineAnswers('n', 80, [{ family: 4, result: ok('10.0.0.1', '10.0.0.2') }]);
    const b = combineAnswers('n', 80, [{ family: 4, result: ok('10.0.0.1', '10.0.0.3') }]);
    assert.ok(a.kind === 'endpoints' && b.kind === 'endpoints' && a.key !== b.key);
  });

  it('drops duplicates and merges A with AAAA, keeping the smallest TTL', () => {
    const out = combineAnswers('n', 80, [
      {
        family: 4,
        result: {
          ok: true,
          records: [
            { address: '10.0.0.1', ttl: 30 },
            { address: '10.0.0.1', ttl: 30 },
          ],
        },
      },
      { family: 6, result: { ok: true, records: [{ address: 'fd00::1', ttl: 5 }] } },
    ]);
    assert.equal(out.kind, 'endpoints');
    if (out.kind === 'endpoints') {
      assert.deepEqual(out.key, '10.0.0.1:80,[fd00::1]:80');
      assert.equal(out.ttlSeconds, 5);
    }
  });

  it('treats NXDOMAIN and NODATA as no endpoints', () => {
    const out = combineAnswers('n', 80, [
      { family: 4, result: err('ENOTFOUND') },
      { family: 6, result: err('ENODATA') },
    ]);
    assert.equal(out.kind, 'empty');
  });

  it('uses A records when AAAA has none (NODATA)', () => {
    const out = combineAnswers('n', 80, [
      { family: 4, result: ok('10.0.0.1') },
      { family: 6, result: err('ENODATA') },
    ]);
    assert.equal(out.kind, 'endpoints');
  });

  for (const code of ['ESERVFAIL', 'EREFUSED', 'ETIMEOUT', 'ECONNREFUSED', 'EBADRESP']) {
    it(`fails the whole lookup on ${code}, even if the other family answered`, () => {
      const out = combineAnswers('n', 80, [
        { family: 4, result: ok('10.0.0.1') },
        { family: 6, result: err(code) },
      ]);
      assert.equal(out.kind, 'failure');
      if (out.kind === 'failure') assert.equal(out.code, code);
    });
  }

  it('ignores records that cannot be endpoints and reports them', () => {
    const out = combineAnswers('n', 80, [{ family: 4, result: ok('10.0.0.1', '0.0.0.0', '239.1.1.1') }]);
    assert.equal(out.kind, 'endpoints');
    if (out.kind === 'endpoints') {
      assert.equal(out.endpoints.length, 1);
      assert.equal(out.ignored.length, 2);
    }
  });

  it('fails (keeping the last good set) when no record is usable', () => {
    const out = combineAnswers('n', 80, [{ family: 4, result: ok('0.0.0.0', '255.255.255.255') }]);
    assert.equal(out.kind, 'failure');
    if (out.kind === 'failure') assert.match(out.message, /no usable address: 0\.0\.0\.0/);
  });

  it('names why an address is unusable', () => {
    assert.equal(unusableReason('10.1.2.3', 4), undefined);
    assert.equal(unusableReason('127.0.0.1', 4), undefined);
    assert.equal(unusableReason('0.0.0.0', 4), 'unspecified address');
    assert.equal(unusableReason('224.0.0.1', 4), 'multicast address');
    assert.equal(unusableReason('250.0.0.1', 4), 'reserved address');
    assert.equal(unusableReason('::', 6), 'unspecified address');
    assert.equal(unusableReason('ff02::1', 6), 'multicast address');
    assert.equal(unusableReason('fd00::1', 6), undefined);
    assert.equal(unusableReason('fd00::1', 4), 'not an IPv4 address');
    assert.equal(unusableReason('10.0.0.1', 6), 'not an IPv6 address');
  });
});

const lookupOnce = (q: DnsQuerier, names: readonly string[], port: number, family: AddressFamily) =>
  new EndpointLookup(q, names, port, family).lookup();

class ScriptedQuerier implements DnsQuerier {
  readonly asked: string[] = [];
  constructor(private readonly answers: Record<string, QueryResult>) {}
  async query(name: string, family: 4 | 6): Promise<QueryResult> {
    this.asked.push(`${name}/${family}`);
    return this.answers[`${name}/${family}`] ?? err('ENOTFOUND');
  }
  cancel(): void {}
}

describe('search-list lookup', () => {
  it('walks candidates until one has records', async () => {
    const q = new ScriptedQuerier({ 'echo.svc.cluster.local/4': ok('10.0.0.1') });
    const out = await lookupOnce(
      q,
      ['echo.default.svc.cluster.local', 'echo.svc.cluster.local', 'echo'],
      80,
      'ipv4',
    );
    assert.equal(out.kind, 'endpoints');
    if (out.kind === 'endpoints') assert.equal(out.name, 'echo.svc.cluster.local');
    assert.deepEqual(q.asked, ['echo.default.svc.cluster.local/4', 'echo.svc.cluster.local/4']);
  });

  it('stops at a failing candidate instead of trying the next', async () => {
    const q = new ScriptedQuerier({ 'a/4': err('ESERVFAIL'), 'b/4': ok('10.0.0.1') });
    const out = await lookupOnce(q, ['a', 'b'], 80, 'ipv4');
    assert.equal(out.kind, 'failure');
    assert.deepEqual(q.asked, ['a/4']);
  });

  it('reports no endpoints when no candidate exists, naming them all', async () => {
    const out = await lookupOnce(new ScriptedQuerier({}), ['a', 'b'], 80, 'any');
    assert.equal(out.kind, 'empty');
    if (out.kind === 'empty') assert.deepEqual(out.names, ['a', 'b']);
  });

  it('asks A and AAAA for "any", only one for ipv4/ipv6', async () => {
    const q = new ScriptedQuerier({ 'a/4': ok('10.0.0.1'), 'a/6': ok('fd00::1') });
    await lookupOnce(q, ['a'], 80, 'any');
    await lookupOnce(q, ['a'], 80, 'ipv6');
    assert.deepEqual(q.asked, ['a/4', 'a/6', 'a/6']);
  });
});
