// The in-process cluster DNS server, queried through Node's own c-ares resolver.
import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import * as net from 'node:net';
import { after, before, describe, it } from 'node:test';
import * as dnsPacket from 'dns-packet';
import { probeDns } from '../../lib/testing/dns/net.js';
import { type DnsRecord, InProcessDnsServer } from '../../lib/testing.js';
import { errorCode } from '../helpers/errors.js';

/** One question over TCP; the raw answer (its 2-byte length prefix removed). */
function tcpAsk(host: string, port: number, query: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    let data = Buffer.alloc(0);
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      if (data.length >= 2 && data.length >= 2 + data.readUInt16BE(0)) {
        socket.destroy();
        resolve(data.subarray(2, 2 + data.readUInt16BE(0)));
      }
    });
    const prefix = Buffer.alloc(2);
    prefix.writeUInt16BE(query.length);
    socket.write(Buffer.concat([prefix, query]));
  });
}

const ZONE_NAME = 'echo.default.svc.cluster.local';
const SRV_NAME = `_grpc._tcp.${ZONE_NAME}`;
const RESOLVER_TIMEOUT_MS = 300;

const BASE_RECORDS: readonly DnsRecord[] = [
  { type: 'A', name: ZONE_NAME, address: '127.9.0.2', ttl: 7 },
  { type: 'A', name: ZONE_NAME, address: '127.9.0.3', ttl: 7 },
  { type: 'A', name: `127-9-0-2.${ZONE_NAME}`, address: '127.9.0.2' },
  { type: 'AAAA', name: `v6.${ZONE_NAME}`, address: '::1' },
  { type: 'SRV', name: SRV_NAME, target: `127-9-0-2.${ZONE_NAME}`, port: 50051, priority: 0, weight: 50 },
];

function resolverFor(server: InProcessDnsServer): Resolver {
  const resolver = new Resolver({ timeout: RESOLVER_TIMEOUT_MS, tries: 1 });
  resolver.setServers([server.address]);
  return resolver;
}

describe('InProcessDnsServer', () => {
  let server: InProcessDnsServer;
  let resolver: Resolver;

  before(async () => {
    server = await InProcessDnsServer.start({ ttlSeconds: 2, records: BASE_RECORDS });
    resolver = resolverFor(server);
  });
  after(() => server?.close());

  it('listens on 127.0.53.1 with a port in 20000-29999', () => {
    assert.equal(server.host, '127.0.53.1');
    assert.ok(server.port >= 20000 && server.port <= 29999, `port ${server.port}`);
    assert.equal(server.address, `127.0.53.1:${server.port}`);
  });

  it('answers A with the record TTL, falling back to the server TTL', async () => {
    const answer = await resolver.resolve4(ZONE_NAME, { ttl: true });
    assert.deepEqual(
      answer.sort((a, b) => a.address.localeCompare(b.address)),
      [
        { address: '127.9.0.2', ttl: 7 },
        { address: '127.9.0.3', ttl: 7 },
      ],
    );
    assert.deepEqual(await resolver.resolve4(`127-9-0-2.${ZONE_NAME}`, { ttl: true }), [
      { address: '127.9.0.2', ttl: 2 },
    ]);
  });

  it('answers AAAA and SRV, authoritatively', async () => {
    assert.deepEqual(await resolver.resolve6(`v6.${ZONE_NAME}`), ['::1']);
    assert.deepEqual(await resolver.resolveSrv(SRV_NAME), [
      { name: `127-9-0-2.${ZONE_NAME}`, port: 50051, priority: 0, weight: 50 },
    ]);
    const raw = await probeDns(server.host, server.port, SRV_NAME, 'SRV', 1000);
    assert.equal(raw?.authoritative, true);
    assert.equal(raw?.rcode, 'NOERROR');
  });

  it('NODATA for a name with other types, NXDOMAIN for a name without records', async () => {
    assert.equal(await errorCode(resolver.resolve6(ZONE_NAME)), 'ENODATA');
    assert.equal(await errorCode(resolver.resolve4(`nope.${ZONE_NAME}`)), 'ENOTFOUND');
    // An empty non-terminal is NXDOMAIN too (as CoreDNS answers it).
    assert.equal(await errorCode(resolver.resolve4('default.svc.cluster.local')), 'ENOTFOUND');
  });

  it('REFUSED outside the zone', async () => {
    assert.equal(await errorCode(resolver.resolve4('example.com')), 'EREFUSED');
    const raw = await probeDns(server.host, server.port, 'example.com', 'A', 1000);
    assert.equal(raw?.authoritative, false);
  });

  it('publish replaces the whole record set', async () => {
    await server.publish([{ type: 'A', name: ZONE_NAME, address: '127.9.0.9' }]);
    assert.deepEqual(await resolver.resolve4(ZONE_NAME), ['127.9.0.9']);
    assert.equal(await errorCode(resolver.resolveSrv(SRV_NAME)), 'ENOTFOUND');
    await assert.rejects(
      server.publish([{ type: 'A', name: 'outside.example', address: '127.9.0.1' }]),
      /outside/,
    );
    await server.publish(BASE_RECORDS);
  });

  it('servfail, refused, timeout and delay faults', async () => {
    await server.setFault('servfail');
    assert.equal(await errorCode(resolver.resolve4(ZONE_NAME)), 'ESERVFAIL');
    await server.setFault('refused');
    assert.equal(await errorCode(resolver.resolve4(ZONE_NAME)), 'EREFUSED');
    await server.setFault('timeout');
    assert.equal(await errorCode(resolver.resolve4(ZONE_NAME)), 'ETIMEOUT');
    assert.equal(server.queries.at(-1)?.rcode, 'DROPPED');
    const delayMs = 150;
    await server.setFault({ kind: 'delay', ms: delayMs });
    const slow = new Resolver({ timeout: 5000, tries: 1 });
    slow.setServers([server.address]);
    const started = Date.now();
    assert.equal((await slow.resolve4(ZONE_NAME)).length, 2);
    assert.ok(Date.now() - started >= delayMs - 5, 'answer came before the delay');
    await server.setFault('none');
    assert.equal((await resolver.resolve4(ZONE_NAME)).length, 2);
  });

  it('down closes the port (ECONNREFUSED) and none re-binds the same one', async () => {
    const address = server.address;
    await server.setFault('down');
    assert.equal(await errorCode(resolver.resolve4(ZONE_NAME)), 'ECONNREFUSED');
    await server.setFault('none');
    assert.equal(server.address, address);
    assert.equal((await resolver.resolve4(ZONE_NAME)).length, 2);
  });

  it('truncates large UDP answers so the client retries over TCP', async () => {
    const many: DnsRecord[] = Array.from({ length: 200 }, (_, i) => ({
      type: 'A',
      name: `big.${ZONE_NAME}`,
      address: `127.10.${Math.floor(i / 250)}.${(i % 250) + 1}`,
    }));
    await server.publish([...BASE_RECORDS, ...many]);
    server.clearQueries();
    const answer = await resolver.resolve4(`big.${ZONE_NAME}`);
    assert.equal(answer.length, 200);
    const log = server.queries.filter((q) => q.name === `big.${ZONE_NAME}`);
    assert.deepEqual(
      log.map((q) => [q.transport, q.truncated]),
      [
        ['udp', true],
        ['tcp', false],
      ],
    );
    // Without EDNS the UDP limit is 512 bytes.
    const raw = await probeDns(server.host, server.port, `big.${ZONE_NAME}`, 'A', 1000);
    assert.equal(raw?.truncated, true);
    assert.ok((raw?.answers.length ?? 0) < 200);
    await server.publish(BASE_RECORDS);
  });

  it('compresses owner names as CoreDNS does: a 1000-pod answer is ~16 KB, and decodes the same', async () => {
    const name = `big.${ZONE_NAME}`;
    const many: DnsRecord[] = Array.from({ length: 1000 }, (_, i) => ({
      type: 'A',
      name,
      address: `127.10.${Math.floor(i / 250)}.${(i % 250) + 1}`,
    }));
    await server.publish([...BASE_RECORDS, ...many]);
    try {
      const query = dnsPacket.encode({
        type: 'query',
        id: 7,
        flags: dnsPacket.RECURSION_DESIRED,
        questions: [{ type: 'A', name: name.toUpperCase() }],
      });
      const packet = await tcpAsk(server.host, server.port, query);
      // Header, question, and 16 bytes a record: a pointer, type, class, TTL, length, address.
      assert.equal(packet.length, 12 + name.length + 2 + 4 + 1000 * 16);
      const decoded = dnsPacket.decode(packet);
      assert.equal(decoded.answers?.length, 1000);
      assert.ok(decoded.answers?.every((a) => a.name.toLowerCase() === name && a.type === 'A'));
      assert.deepEqual(
        decoded.answers?.map((a) => (a as { data: string }).data).sort(),
        many.map((r) => (r as { address: string }).address).sort(),
      );
      assert.deepEqual(
        (await resolver.resolve4(name)).sort(),
        many.map((r) => (r as { address: string }).address).sort(),
      );
    } finally {
      await server.publish(BASE_RECORDS);
    }
  });

  it('logs every query with time, name, type, transport and rcode', async () => {
    server.clearQueries();
    const before = Date.now();
    await resolver.resolve4(ZONE_NAME);
    await errorCode(resolver.resolve4(`nope.${ZONE_NAME}`));
    await errorCode(resolver.resolve4('example.com'));
    const log = server.queries.map(({ name, type, transport, rcode, answers }) => ({
      name,
      type,
      transport,
      rcode,
      answers,
    }));
    assert.deepEqual(log, [
      { name: ZONE_NAME, type: 'A', transport: 'udp', rcode: 'NOERROR', answers: 2 },
      { name: `nope.${ZONE_NAME}`, type: 'A', transport: 'udp', rcode: 'NXDOMAIN', answers: 0 },
      { name: 'example.com', type: 'A', transport: 'udp', rcode: 'REFUSED', answers: 0 },
    ]);
    assert.ok(server.queries.every((q) => q.time >= before && q.time <= Date.now()));
  });

  it('two servers do not collide, and close is idempotent', async () => {
    const other = await InProcessDnsServer.start();
    try {
      assert.notEqual(other.port, server.port);
      assert.equal(await errorCode(resolverFor(other).resolve4(ZONE_NAME)), 'ENOTFOUND');
    } finally {
      await other.close();
      await other.close();
    }
    await assert.rejects(other.setFault('servfail'), /closed/);
  });
});
