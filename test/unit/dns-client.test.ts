// The DNS client (WireDnsQuerier) against the in-process DNS server and a scripted one: UDP, TCP
// after truncation and its stickiness, every error code, cancel, server fail-over, and no socket
// or timer left behind.
import assert from 'node:assert/strict';
import { Resolver as CallbackResolver } from 'node:dns';
import { Resolver } from 'node:dns/promises';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { DNS_WIRE_DEFAULTS } from '../../lib/config/defaults.js';
import { ThickConfigError } from '../../lib/config/errors.js';
import type { QueryResult } from '../../lib/discovery/answer.js';
import { WireDnsQuerier } from '../../lib/discovery/dns-client.js';
import { type DnsRecord, InProcessDnsServer } from '../../lib/testing.js';
import { compressedResponse, ipv4Range, plainResponse } from '../helpers/dns-wire.js';
import { ScriptedDnsServer } from '../helpers/scripted-dns.js';

const NAME = 'echo.default.svc.cluster.local';
const BIG = 'big.default.svc.cluster.local';
const V6 = 'v6.default.svc.cluster.local';
const TIMEOUT_MS = 150;
const TRIES = 2;
/** Nothing listens on port 1 of loopback: a server that refuses at once. */
const CLOSED = '127.0.0.1:1';
const BIG_SIZE = 1000;
const V6_ADDRESSES = [
  'fd00::1',
  '::ffff:127.0.0.1',
  '::127.0.0.2',
  '2001:db8:0:1:1:1:1:1',
  '1:0:0:1::1',
  '::2',
];

const a = (address: string, name = NAME, ttl?: number): DnsRecord => ({ type: 'A', name, address, ttl });
const SMALL = [a('127.9.0.2', NAME, 7), a('127.9.0.1', NAME, 3)];
const BIG_RECORDS = ipv4Range(BIG_SIZE).map((ip) => a(ip, BIG));
const V6_RECORDS: DnsRecord[] = V6_ADDRESSES.map((address) => ({ type: 'AAAA', name: V6, address }));

function ok(result: QueryResult): Extract<QueryResult, { ok: true }> {
  assert.ok(result.ok, JSON.stringify(result));
  return result;
}

function code(result: QueryResult): string {
  assert.equal(result.ok, false, 'expected an error');
  return (result as { code: string }).code;
}

/** Sockets and timers of this process once closing ones are gone, to compare before and after. */
async function resources(): Promise<string[]> {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  return process
    .getActiveResourcesInfo()
    .filter((r) => /^(UDPWrap|TCPSocketWrap|TCPWrap|Timeout)$/.test(r))
    .sort();
}

describe('WireDnsQuerier against the in-process server', () => {
  let server: InProcessDnsServer;
  let querier: WireDnsQuerier;

  before(async () => {
    server = await InProcessDnsServer.start({ records: [...SMALL, ...BIG_RECORDS, ...V6_RECORDS] });
  });
  after(() => server?.close());
  beforeEach(async () => {
    await server.setFault('none');
    await server.publish([...SMALL, ...BIG_RECORDS, ...V6_RECORDS]);
    server.clearQueries();
    querier = new WireDnsQuerier([server.address], TIMEOUT_MS, TRIES);
  });
  // What a resolver's destroy() does: the querier's kept TCP connection goes with it.
  afterEach(() => querier.cancel());

  it('keeps a large answer’s TCP connection for the next poll, and closes it on cancel()', async () => {
    const before = server.tcpConnections;
    ok(await querier.query(BIG, 4)); // UDP, truncated, then TCP
    ok(await querier.query(BIG, 4)); // straight to TCP, on the same connection
    ok(await querier.query(BIG, 4));
    assert.equal(server.tcpConnections - before, 1, 'one connection for three TCP answers');
    assert.equal(querier.idleConnections, 1);
    const open = await resources();
    assert.ok(open.includes('TCPWrap') || open.includes('TCPSocketWrap'), `kept open: ${open}`);
    querier.cancel();
    assert.equal(querier.idleConnections, 0);
    // A server that closes an idle connection (its own idle timeout) only means a new one next time.
    ok(await querier.query(BIG, 4));
    await server.setFault('down');
    await server.setFault('none');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(querier.idleConnections, 0, 'the closed connection was dropped');
    ok(await querier.query(BIG, 4));
    assert.equal(server.tcpConnections - before, 3);
  });

  it('asks over one kept UDP socket, poll after poll (one source port), and closes it on cancel()', async () => {
    for (let i = 0; i < 3; i++) ok(await querier.query(NAME, 4));
    assert.equal(code(await querier.query(NAME, 6)), 'ENODATA', 'a negative answer keeps it too');
    const ports = new Set(server.queries.map((q) => q.sourcePort));
    assert.equal(server.queries.length, 4);
    assert.deepEqual([...ports].length, 1, `source ports ${[...ports]}`);
    assert.equal(querier.idleUdpSockets, 1);
    querier.cancel();
    assert.equal(querier.idleUdpSockets, 0);
    ok(await querier.query(NAME, 4));
    assert.equal(new Set(server.queries.map((q) => q.sourcePort)).size, 2, 'a new socket after cancel()');
  });

  it('keeps a socket for each question of a poll asked at once (A and AAAA): no new socket per poll', async () => {
    for (let i = 0; i < 5; i++) {
      const [a, aaaa] = await Promise.all([querier.query(NAME, 4), querier.query(NAME, 6)]);
      ok(a);
      assert.equal(code(aaaa), 'ENODATA');
    }
    assert.equal(server.queries.length, 10);
    const ports = new Set(server.queries.map((q) => q.sourcePort));
    assert.equal(ports.size, 2, `source ports ${[...ports]}`);
    assert.equal(querier.idleUdpSockets, DNS_WIRE_DEFAULTS.udpIdlePerServer);
    querier.cancel();
    assert.equal(querier.idleUdpSockets, 0);
  });

  it('a new UDP source port every udpMaxQueries questions', async () => {
    const n = DNS_WIRE_DEFAULTS.udpMaxQueries;
    for (let i = 0; i < n + 1; i++) ok(await querier.query(NAME, 4));
    const ports = server.queries.map((q) => q.sourcePort);
    assert.equal(new Set(ports.slice(0, n)).size, 1);
    assert.notEqual(ports[n], ports[0]);
  });

  it('a UDP socket that saw no answer is not kept: the next question has a new source port', async () => {
    await server.setFault('timeout');
    assert.equal(code(await querier.query(NAME, 4)), 'ETIMEOUT');
    assert.equal(querier.idleUdpSockets, 0);
    await server.setFault('none');
    ok(await querier.query(NAME, 4));
    ok(await querier.query(NAME, 4));
    const ports = server.queries.map((q) => q.sourcePort);
    assert.equal(new Set(ports).size, TRIES + 1, `one port per timed-out try, then one kept: ${ports}`);
  });

  it('a kept connection gathers no listeners, however many polls reuse it', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      // Node warns past 10 listeners of one event on one socket.
      for (let i = 0; i < 15; i++) ok(await querier.query(BIG, 4));
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(
      warnings.map((w) => w.message),
      [],
    );
  });

  it('answers a small set over UDP, with TTLs, an identity and nothing left open', async () => {
    const before = await resources();
    const result = ok(await querier.query(NAME, 4));
    assert.deepEqual(result.records, [
      { address: '127.9.0.2', ttl: 7 },
      { address: '127.9.0.1', ttl: 3 },
    ]);
    assert.equal(result.ttlSeconds, 3);
    assert.equal(typeof result.identity, 'string');
    assert.deepEqual(
      server.queries.map((q) => [q.transport, q.type]),
      [['udp', 'A']],
    );
    assert.deepEqual(await resources(), before);
  });

  it('decodes AAAA records as c-ares does', async () => {
    const cares = new Resolver({ timeout: 1000, tries: 1 });
    cares.setServers([server.address]);
    const expected = await cares.resolve6(V6, { ttl: true });
    assert.deepEqual(ok(await querier.query(V6, 6)).records, expected);
  });

  it('asks a 1000-record answer again over TCP, then goes straight to TCP, back to UDP once it fits', async () => {
    const first = ok(await querier.query(BIG, 4));
    assert.equal(first.records.length, BIG_SIZE);
    const second = ok(await querier.query(BIG, 4));
    assert.equal(second.identity, first.identity);
    const log = () =>
      server.queries
        .filter((q) => q.name === BIG && q.type === 'A')
        .map((q) => `${q.transport}${q.truncated ? ' TC' : ''}`);
    assert.deepEqual(log(), ['udp TC', 'tcp', 'tcp']);
    // Stickiness is per name and family: the AAAA question still starts over UDP.
    assert.equal(code(await querier.query(BIG, 6)), 'ENODATA');
    assert.equal(server.queries.at(-1)?.transport, 'udp');
    await server.publish([...SMALL, ...BIG_RECORDS.slice(0, 3)]);
    const shrunk = ok(await querier.query(BIG, 4));
    assert.equal(shrunk.records.length, 3);
    assert.notEqual(shrunk.identity, first.identity);
    await querier.query(BIG, 4);
    assert.deepEqual(log(), ['udp TC', 'tcp', 'tcp', 'tcp', 'udp']);
    await server.publish(BIG_RECORDS);
    const cares = new Resolver({ timeout: 1000, tries: 1 });
    cares.setServers([server.address]);
    assert.deepEqual(first.records.map((r) => r.address).sort(), (await cares.resolve4(BIG)).sort());
  });

  it('NXDOMAIN is ENOTFOUND and NODATA is ENODATA, named with the server', async () => {
    const missing = await querier.query(`nope.${NAME}`, 4);
    assert.equal(code(missing), 'ENOTFOUND');
    assert.equal(
      (missing as { message: string }).message,
      `queryA ENOTFOUND nope.${NAME} from ${server.address}`,
    );
    assert.equal(code(await querier.query(NAME, 6)), 'ENODATA');
    assert.equal(server.queries.length, 2, 'negative answers are final: no retry');
  });

  it('a name that cannot be asked is EBADNAME, without a query', async () => {
    assert.equal(code(await querier.query(`${'x'.repeat(64)}.cluster.local`, 4)), 'EBADNAME');
    assert.equal(server.queries.length, 0);
  });

  for (const [fault, expected] of [
    ['servfail', 'ESERVFAIL'],
    ['refused', 'EREFUSED'],
    ['timeout', 'ETIMEOUT'],
    ['down', 'ECONNREFUSED'],
  ] as const) {
    it(`${fault}: ${expected} after ${TRIES} tries, nothing left open`, async () => {
      const before = await resources();
      await server.setFault(fault);
      const started = Date.now();
      const result = await querier.query(NAME, 4);
      assert.equal(code(result), expected);
      assert.equal(
        (result as { message: string }).message,
        `queryA ${expected} ${NAME} from ${server.address}`,
      );
      if (fault !== 'down') assert.equal(server.queries.length, TRIES);
      if (fault === 'timeout') assert.ok(Date.now() - started >= TRIES * TIMEOUT_MS - 5);
      await server.setFault('none');
      assert.deepEqual(await resources(), before);
    });
  }

  it('a slow answer within the timeout is taken; one past it is a timeout', async () => {
    await server.setFault({ kind: 'delay', ms: TIMEOUT_MS / 3 });
    ok(await querier.query(NAME, 4));
    await server.setFault({ kind: 'delay', ms: TIMEOUT_MS * 2 });
    assert.equal(code(await new WireDnsQuerier([server.address], TIMEOUT_MS, 1).query(NAME, 4)), 'ETIMEOUT');
    // The server logs the late answer when it sends it: let that happen within this test.
    await new Promise((r) => setTimeout(r, TIMEOUT_MS * 2));
  });

  it('the TCP path reports a server that went down as ECONNREFUSED', async () => {
    ok(await querier.query(BIG, 4));
    await server.setFault('down');
    assert.equal(code(await querier.query(BIG, 4)), 'ECONNREFUSED');
  });

  it('cancel settles queries in flight with ECANCELLED at once and closes their sockets', async () => {
    const before = await resources();
    await server.setFault('timeout');
    const slow = new WireDnsQuerier([server.address], 10_000, 1);
    const started = Date.now();
    const pending = Promise.all([slow.query(NAME, 4), slow.query(NAME, 6)]);
    await new Promise((r) => setTimeout(r, 20));
    slow.cancel();
    const results = await pending;
    assert.deepEqual(results.map(code), ['ECANCELLED', 'ECANCELLED']);
    assert.ok(Date.now() - started < 1000);
    assert.deepEqual(await resources(), before);
    await server.setFault('none');
    ok(await slow.query(NAME, 4));
  });

  it('falls over from a dead first server to the second', async () => {
    const two = new WireDnsQuerier([CLOSED, server.address], TIMEOUT_MS, 1);
    assert.deepEqual(two.servers(), [CLOSED, server.address]);
    assert.equal(ok(await two.query(NAME, 4)).records.length, 2);
    const silent = new WireDnsQuerier([server.address, CLOSED], TIMEOUT_MS, TRIES);
    await server.setFault('timeout');
    server.clearQueries();
    const result = await silent.query(NAME, 4);
    assert.equal(code(result), 'ECONNREFUSED', 'the last try was the closed server');
    assert.equal(server.queries.length, TRIES, 'one query per try to the first server');
  });
});

describe('WireDnsQuerier servers', () => {
  it('uses the servers Node reads from the system when given none', () => {
    assert.deepEqual(new WireDnsQuerier([], 100, 1).servers(), new CallbackResolver().getServers());
  });

  it('accepts what Node writes and refuses what it cannot use', () => {
    const q = new WireDnsQuerier(
      ['10.96.0.10', '127.0.0.1:5353', '[::1]:53', '::1', '[fd00::10]:5353'],
      100,
      1,
    );
    assert.deepEqual(q.servers(), ['10.96.0.10', '127.0.0.1:5353', '::1', '::1', '[fd00::10]:5353']);
    for (const bad of ['dns.example', '10.0.0.1:0', '[::1']) {
      assert.throws(() => new WireDnsQuerier([bad], 100, 1), ThickConfigError, bad);
    }
  });
});

/** The header's TC bit: the answer did not fit in UDP. */
const TC_FLAG = 0x0200;

describe('WireDnsQuerier against a scripted server', () => {
  let scripted: ScriptedDnsServer;
  before(async () => {
    scripted = await ScriptedDnsServer.start();
  });
  after(() => scripted?.close());
  beforeEach(() => {
    scripted.queries.length = 0;
  });

  const reply = (id: number, flags = 0, addresses = ['10.0.0.1']) =>
    compressedResponse({
      id,
      flags,
      question: { name: NAME, type: 'A' },
      answers: addresses.map((data) => ({ name: NAME, type: 'A', data })),
    });

  it('a kept connection the server closes as the next question arrives: asked again on a new one, no error', async () => {
    const before = scripted.tcpConnections;
    scripted.script = ({ transport, packet, earlierOnConnection }) =>
      transport === 'udp'
        ? { packets: [reply(packet.id!, TC_FLAG)] }
        : earlierOnConnection
          ? { packets: [], close: true }
          : { packets: [reply(packet.id!)] };
    const q = new WireDnsQuerier([scripted.address], TIMEOUT_MS, 1);
    try {
      ok(await q.query(NAME, 4));
      assert.equal(q.idleConnections, 1);
      const second = ok(await q.query(NAME, 4));
      assert.deepEqual(
        second.records.map((r) => r.address),
        ['10.0.0.1'],
      );
      assert.equal(
        scripted.tcpConnections - before,
        2,
        'the second question went out again on a new connection',
      );
    } finally {
      q.cancel();
    }
  });

  it('ignores a wrong id, another question and a reply from another port; takes the right one', async () => {
    scripted.script = ({ packet }) => ({
      packets: [
        reply((packet.id! + 1) & 0xffff, 0, ['10.6.6.6']),
        plainResponse({ id: packet.id!, question: { name: 'other.cluster.local', type: 'A' } }),
        reply(packet.id!, 0, ['10.0.0.1']),
      ],
    });
    const q = new WireDnsQuerier([scripted.address], 1000, 1);
    assert.deepEqual(
      ok(await q.query(NAME, 4)).records.map((r) => r.address),
      ['10.0.0.1'],
    );
    // The same reply from another source port is not accepted.
    scripted.script = ({ packet }) => {
      setTimeout(() => void scripted.sendFromElsewhere(reply(packet.id!), scripted.lastUdpClient!), 1);
      return { packets: [] };
    };
    assert.equal(
      code(await new WireDnsQuerier([scripted.address], TIMEOUT_MS, 1).query(NAME, 4)),
      'ETIMEOUT',
    );
  });

  it('a random id per query', async () => {
    scripted.script = ({ packet }) => ({ packets: [reply(packet.id!)] });
    const q = new WireDnsQuerier([scripted.address], 1000, 1);
    for (let i = 0; i < 8; i++) await q.query(NAME, 4);
    assert.ok(new Set(scripted.queries.map((x) => x.packet.id)).size >= 7);
  });

  it('a garbled answer is EBADRESP; NOTIMP is ENOTIMP', async () => {
    scripted.script = ({ packet }) => ({ packets: [reply(packet.id!).subarray(0, 40)] });
    assert.equal(code(await new WireDnsQuerier([scripted.address], 1000, 1).query(NAME, 4)), 'EBADRESP');
    scripted.script = ({ packet }) => ({ packets: [reply(packet.id!, 4, [])] });
    assert.equal(code(await new WireDnsQuerier([scripted.address], 1000, 1).query(NAME, 4)), 'ENOTIMP');
  });

  it('FORMERR: EFORMERR, and the next try goes without EDNS', async () => {
    scripted.script = ({ packet }) => ({ packets: [reply(packet.id!, 1, [])] });
    const q = new WireDnsQuerier([scripted.address], 1000, 2);
    assert.equal(code(await q.query(NAME, 4)), 'EFORMERR');
    assert.deepEqual(
      scripted.queries.map((x) => x.packet.additionals?.length),
      [1, 0],
    );
  });

  it('reads a TCP answer that arrives in small pieces', async () => {
    const many = ipv4Range(200);
    scripted.script = ({ packet, transport }) =>
      transport === 'udp'
        ? { packets: [reply(packet.id!, 0x0200, [])] }
        : { packets: [reply(packet.id!, 0, many)], chunkSize: 333 };
    const result = ok(await new WireDnsQuerier([scripted.address], 2000, 1).query(NAME, 4));
    assert.deepEqual(
      result.records.map((r) => r.address),
      many,
    );
    assert.deepEqual(
      scripted.queries.map((x) => x.transport),
      ['udp', 'tcp'],
    );
  });
});
