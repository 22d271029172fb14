// The bed's DNS-facing behaviour, once per backend (dnsmasq only when installed): pods answer as
// themselves, DNS equals the ready set, scale up/down/zero (NXDOMAIN), faults, clean stop.
import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { after, before, describe, it } from 'node:test';
import { isPidAlive } from '../../lib/testing/processes.js';
import {
  type DnsBackendKind,
  DnsmasqServer,
  isDnsmasqAvailable,
  LocalCluster,
  type LocalPod,
  makeEchoClient,
} from '../../lib/testing.js';
import { errorCode } from '../helpers/errors.js';

const TTL_SECONDS = 1;
const RESOLVER_TIMEOUT_MS = 500;
const CALL_DEADLINE_MS = 2000;

async function echoFrom(pod: LocalPod): Promise<string> {
  const client = makeEchoClient(`ipv4:///${pod.address}`);
  try {
    const reply = await client.call(CALL_DEADLINE_MS, { message: 'hi' });
    assert.equal(reply.message, 'hi');
    assert.equal(reply.address, pod.address);
    return reply.pod;
  } finally {
    client.close();
  }
}

function dnsSuite(kind: DnsBackendKind): void {
  describe(`LocalCluster DNS (${kind})`, {
    skip: kind === 'dnsmasq' && !isDnsmasqAvailable() && 'dnsmasq not installed',
  }, () => {
    let cluster: LocalCluster;
    let resolver: Resolver;
    const pids = new Set<number>();
    const seenIps = new Set<string>();

    const readyIps = (): string[] =>
      cluster.pods
        .filter((p) => p.state === 'ready')
        .map((p) => p.ip)
        .sort();
    const dnsIps = async (): Promise<string[]> => (await resolver.resolve4(cluster.fqdn)).sort();
    const context = (): string => `events:\n${cluster.formatEvents()}`;
    const remember = (): void => {
      for (const pod of cluster.pods) {
        if (pod.pid) pids.add(pod.pid);
        seenIps.add(pod.ip);
      }
      if (cluster.dns instanceof DnsmasqServer && cluster.dns.pid) pids.add(cluster.dns.pid);
    };

    before(async () => {
      cluster = new LocalCluster({ dns: kind, ttlSeconds: TTL_SECONDS, replicas: 3, srv: true });
      await cluster.start();
      resolver = new Resolver({ timeout: RESOLVER_TIMEOUT_MS, tries: 1 });
      resolver.setServers([cluster.dnsServer]);
    });
    after(() => cluster?.stop());

    it('names, addresses and target follow Kubernetes conventions', () => {
      assert.equal(cluster.dnsKind, kind);
      assert.equal(cluster.fqdn, 'echo.default.svc.cluster.local');
      assert.equal(cluster.srvName, '_grpc._tcp.echo.default.svc.cluster.local');
      assert.match(cluster.dnsServer, /^127\.0\.53\.1:2\d{4}$/);
      assert.equal(cluster.target(), `dns-poll://${cluster.dnsServer}/echo.default.svc.cluster.local:50051`);
      assert.deepEqual(
        cluster.pods.map((p) => p.name),
        ['echo-1', 'echo-2', 'echo-3'],
      );
      for (const pod of cluster.pods) {
        assert.match(pod.ip, /^127\.([1-9]\d*)\.\d+\.\d+$/);
        assert.equal(pod.address, `${pod.ip}:50051`);
        assert.equal(pod.state, 'ready');
        assert.equal(pod.inDns, true);
        assert.equal(pod.version, 'v1');
      }
    });

    it('each pod answers Echo with its own name', async () => {
      for (const pod of cluster.pods) assert.equal(await echoFrom(pod), pod.name);
    });

    it('A and SRV equal the ready set, CoreDNS-style', async () => {
      const answer = await resolver.resolve4(cluster.fqdn, { ttl: true });
      assert.deepEqual(answer.map((a) => a.address).sort(), readyIps(), context());
      for (const a of answer) assert.equal(a.ttl, TTL_SECONDS);
      const srv = await resolver.resolveSrv(cluster.srvName);
      assert.deepEqual(
        srv.map((s) => s.name).sort(),
        readyIps().map((ip) => `${ip.replaceAll('.', '-')}.${cluster.fqdn}`),
      );
      for (const s of srv) assert.deepEqual([s.port, s.priority, s.weight], [50051, 0, 33]);
      assert.deepEqual(await cluster.resolve(), readyIps());
    });

    it('scale up to 5 publishes the new pods once ready', async () => {
      remember();
      await cluster.scale(5);
      remember();
      assert.equal(cluster.readyPods.length, 5);
      assert.deepEqual(await dnsIps(), readyIps(), context());
      const srv = await resolver.resolveSrv(cluster.srvName);
      assert.deepEqual(
        srv.map((s) => s.weight),
        [20, 20, 20, 20, 20],
      );
      assert.equal(await echoFrom(cluster.pods[4] as LocalPod), 'echo-5');
    });

    it('scale to 0 gives NXDOMAIN for the name and the SRV name', async () => {
      await cluster.scale(0);
      assert.deepEqual(readyIps(), []);
      assert.equal(await errorCode(resolver.resolve4(cluster.fqdn)), 'ENOTFOUND', context());
      assert.equal(await errorCode(resolver.resolveSrv(cluster.srvName)), 'ENOTFOUND', context());
      assert.deepEqual(await cluster.resolve(), []);
      // Scale-down removes newest first; every pod is on its way out.
      for (const pod of cluster.pods) assert.ok(pod.state === 'terminating' || pod.state === 'gone');
    });

    it('scale back up uses fresh names and IPs', async () => {
      await cluster.scale(2);
      remember();
      const fresh = cluster.readyPods;
      assert.deepEqual(
        fresh.map((p) => p.name),
        ['echo-6', 'echo-7'],
      );
      assert.equal(new Set([...seenIps]).size, cluster.pods.length, 'an IP was reused');
      assert.deepEqual(await dnsIps(), readyIps(), context());
    });

    it("dnsFault('down') refuses queries and 'none' serves the same port again", async () => {
      const address = cluster.dnsServer;
      await cluster.dnsFault('down');
      assert.equal(await errorCode(resolver.resolve4(cluster.fqdn)), 'ECONNREFUSED');
      // Publishing while down is kept and served once back up.
      await cluster.scale(3);
      remember();
      await cluster.dnsFault('none');
      assert.equal(cluster.dnsServer, address);
      assert.deepEqual(await dnsIps(), readyIps(), context());
      assert.ok(cluster.events.some((e) => e.kind === 'dns-fault' && e.detail === 'down'));
    });

    it('answer-shaping faults: in-process only', async () => {
      if (kind === 'inprocess') {
        await cluster.dnsFault('servfail');
        assert.equal(await errorCode(resolver.resolve4(cluster.fqdn)), 'ESERVFAIL');
        await cluster.dnsFault('timeout');
        assert.equal(await errorCode(resolver.resolve4(cluster.fqdn)), 'ETIMEOUT');
        await cluster.dnsFault('none');
        assert.deepEqual(await dnsIps(), readyIps());
      } else {
        await assert.rejects(cluster.dnsFault('servfail'), /inprocess/);
        assert.deepEqual(await dnsIps(), readyIps());
      }
    });

    it('the query log sees client queries (not the harness probes)', async () => {
      cluster.dns.clearQueries();
      await dnsIps();
      const deadline = Date.now() + CALL_DEADLINE_MS;
      // dnsmasq's log arrives through a pipe: give it a moment.
      while (cluster.dns.queries.length === 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 10));
      const names = cluster.dns.queries.map((q) => `${q.type} ${q.name}`);
      assert.deepEqual(names, [`A ${cluster.fqdn}`]);
    });

    it('stop() kills every process it started and is idempotent', async () => {
      remember();
      assert.ok(pids.size >= 7, `pids ${[...pids]}`);
      await cluster.stop();
      await cluster.stop();
      const alive = [...pids].filter(isPidAlive);
      assert.deepEqual(alive, [], 'processes left behind');
      for (const pod of cluster.pods) assert.equal(pod.state, 'gone');
      await assert.rejects(cluster.addPod(), /stopped/);
    });
  });
}

dnsSuite('inprocess');
dnsSuite('dnsmasq');
