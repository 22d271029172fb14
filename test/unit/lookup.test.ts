// EndpointLookup's unchanged-answer fast path: the same identity gives back the same outcome
// (endpoints array and key), with the new TTL and without reading a record; anything else is
// computed in full.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AddressRecord, Family, LookupOutcome, QueryResult } from '../../lib/discovery/answer.js';
import { WireDnsQuerier } from '../../lib/discovery/dns-client.js';
import { type DnsQuerier, EndpointLookup } from '../../lib/discovery/lookup.js';
import { InProcessDnsServer } from '../../lib/testing.js';

const NAME = 'echo.default.svc.cluster.local';
const PORT = 50051;

/** A result as the wire client gives it, counting how often its records are read. */
class CountingResult {
  readonly ok = true as const;
  reads = 0;
  readonly identity: string;
  constructor(
    private readonly addresses: readonly string[],
    readonly ttlSeconds = 5,
    identity?: string,
  ) {
    this.identity = identity ?? [...new Set(addresses)].sort().join(' ');
  }
  get records(): readonly AddressRecord[] {
    this.reads++;
    return this.addresses.map((address) => ({ address, ttl: this.ttlSeconds }));
  }
}

const nodata: QueryResult = { ok: false, code: 'ENODATA', message: 'queryAaaa ENODATA' };
const nxdomain: QueryResult = { ok: false, code: 'ENOTFOUND', message: 'queryA ENOTFOUND' };

class ScriptedQuerier implements DnsQuerier {
  readonly answers = new Map<string, QueryResult>();
  set(name: string, family: Family, result: QueryResult): this {
    this.answers.set(`${name}/${family}`, result);
    return this;
  }
  async query(name: string, family: Family): Promise<QueryResult> {
    return this.answers.get(`${name}/${family}`) ?? nxdomain;
  }
  cancel(): void {}
}

function endpoints(outcome: LookupOutcome): Extract<LookupOutcome, { kind: 'endpoints' }> {
  assert.equal(outcome.kind, 'endpoints', JSON.stringify(outcome));
  return outcome as Extract<LookupOutcome, { kind: 'endpoints' }>;
}

describe('EndpointLookup: unchanged answers', () => {
  it('returns the same outcome for the same identity, reading no record', async () => {
    const q = new ScriptedQuerier()
      .set(NAME, 4, new CountingResult(['10.0.0.2', '10.0.0.1']))
      .set(NAME, 6, nodata);
    const lookup = new EndpointLookup(q, [NAME], PORT, 'any');
    const first = endpoints(await lookup.lookup());
    assert.deepEqual(first.endpoints, [
      { host: '10.0.0.1', port: PORT },
      { host: '10.0.0.2', port: PORT },
    ]);
    const shuffled = new CountingResult(['10.0.0.1', '10.0.0.2', '10.0.0.1']);
    q.set(NAME, 4, shuffled);
    assert.equal(await lookup.lookup(), first);
    assert.equal(shuffled.reads, 0);
  });

  it('keeps endpoints and key but takes the new TTL', async () => {
    const q = new ScriptedQuerier().set(NAME, 4, new CountingResult(['10.0.0.1'], 30));
    const lookup = new EndpointLookup(q, [NAME], PORT, 'ipv4');
    const first = endpoints(await lookup.lookup());
    q.set(NAME, 4, new CountingResult(['10.0.0.1'], 4));
    const second = endpoints(await lookup.lookup());
    assert.notEqual(second, first);
    assert.equal(second.endpoints, first.endpoints);
    assert.equal(second.key, first.key);
    assert.equal(second.ttlSeconds, 4);
    assert.equal(await lookup.lookup(), second, 'the TTL-updated outcome is the one kept');
  });

  it('computes a changed set in full', async () => {
    const q = new ScriptedQuerier().set(NAME, 4, new CountingResult(['10.0.0.1']));
    const lookup = new EndpointLookup(q, [NAME], PORT, 'ipv4');
    const first = endpoints(await lookup.lookup());
    const changed = new CountingResult(['10.0.0.1', '10.0.0.3']);
    q.set(NAME, 4, changed);
    const second = endpoints(await lookup.lookup());
    assert.notEqual(second.key, first.key);
    assert.equal(second.endpoints.length, 2);
    assert.equal(changed.reads, 1);
  });

  it('computes in full when the other family changes (NODATA → records)', async () => {
    const q = new ScriptedQuerier().set(NAME, 4, new CountingResult(['10.0.0.1'])).set(NAME, 6, nodata);
    const lookup = new EndpointLookup(q, [NAME], PORT, 'any');
    const first = endpoints(await lookup.lookup());
    q.set(NAME, 6, new CountingResult(['fd00::1']));
    const second = endpoints(await lookup.lookup());
    assert.equal(second.endpoints.length, 2);
    assert.notEqual(second.key, first.key);
  });

  it('computes in full when another candidate name answers', async () => {
    const other = `echo.svc.cluster.local`;
    const q = new ScriptedQuerier().set(other, 4, new CountingResult(['10.0.0.1']));
    const lookup = new EndpointLookup(q, [NAME, other], PORT, 'ipv4');
    const first = endpoints(await lookup.lookup());
    assert.equal(first.name, other);
    q.set(NAME, 4, new CountingResult(['10.0.0.1']));
    const second = endpoints(await lookup.lookup());
    assert.equal(second.name, NAME);
  });

  it('always computes in full for results without an identity (test fakes)', async () => {
    const q = new ScriptedQuerier().set(NAME, 4, { ok: true, records: [{ address: '10.0.0.1', ttl: 5 }] });
    const lookup = new EndpointLookup(q, [NAME], PORT, 'ipv4');
    const first = endpoints(await lookup.lookup());
    const second = endpoints(await lookup.lookup());
    assert.notEqual(second.endpoints, first.endpoints);
    assert.equal(second.key, first.key);
  });

  it('computes in full while the answer holds unusable records (their TTL must not count)', async () => {
    const q = new ScriptedQuerier().set(NAME, 4, new CountingResult(['10.0.0.1', '0.0.0.0']));
    const lookup = new EndpointLookup(q, [NAME], PORT, 'ipv4');
    const first = endpoints(await lookup.lookup());
    assert.deepEqual(first.ignored, ['0.0.0.0 (unspecified address)']);
    const again = new CountingResult(['10.0.0.1', '0.0.0.0']);
    q.set(NAME, 4, again);
    await lookup.lookup();
    assert.equal(again.reads, 1);
  });

  it('gives a failure, then the same outcome again once the same set is back', async () => {
    const q = new ScriptedQuerier().set(NAME, 4, new CountingResult(['10.0.0.1']));
    const lookup = new EndpointLookup(q, [NAME], PORT, 'ipv4');
    const first = await lookup.lookup();
    q.set(NAME, 4, { ok: false, code: 'ESERVFAIL', message: 'queryA ESERVFAIL' });
    assert.equal((await lookup.lookup()).kind, 'failure');
    q.set(NAME, 4, new CountingResult(['10.0.0.1']));
    assert.equal(await lookup.lookup(), first);
  });
});

describe('EndpointLookup over the wire client', () => {
  let server: InProcessDnsServer;
  const records = Array.from({ length: 300 }, (_, i) => ({
    type: 'A' as const,
    name: NAME,
    address: `127.20.${i >> 8}.${(i & 0xff) + 1}`,
  }));
  before(async () => {
    server = await InProcessDnsServer.start({ records });
  });
  after(() => server?.close());

  it('recognises an unchanged answer from the server, and a changed one', async () => {
    const lookup = new EndpointLookup(new WireDnsQuerier([server.address], 1000, 1), [NAME], PORT, 'any');
    const first = endpoints(await lookup.lookup());
    assert.equal(first.endpoints.length, records.length);
    assert.equal(await lookup.lookup(), first);
    await server.publish(records.slice(1));
    const changed = endpoints(await lookup.lookup());
    assert.equal(changed.endpoints.length, records.length - 1);
    assert.equal(await lookup.lookup(), changed);
  });
});
