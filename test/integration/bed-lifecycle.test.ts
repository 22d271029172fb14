// Pod lifecycle on the bed: deletion order (DNS → preStop → SIGTERM → SIGKILL at grace), rolling
// update, hang/resume, crash, failure modes, health, load, and a clean stop.
import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { isPidAlive } from '../../lib/testing/processes.js';
import { loadTestingProtos } from '../../lib/testing/protos.js';
import {
  type ClusterEvent,
  DnsmasqServer,
  LoadGenerator,
  LocalCluster,
  type LocalPod,
  makeEchoClient,
} from '../../lib/testing.js';

const GRACE_MS = 1500;
const PRESTOP_MS = 800;
const DEADLINE_MS = 2000;
const SHORT_DEADLINE_MS = 300;
const DNS_POLL_MS = 20;

interface HealthStub extends grpc.Client {
  Check(
    request: { service: string },
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, response?: { status: string }) => void,
  ): grpc.ClientUnaryCall;
  Watch(request: { service: string }): grpc.ClientReadableStream<{ status: string }>;
}

function index(events: readonly ClusterEvent[], match: (e: ClusterEvent) => boolean, what: string): number {
  const i = events.findIndex(match);
  assert.ok(i >= 0, `no event: ${what}`);
  return i;
}

async function callPod(pod: LocalPod, deadlineMs = DEADLINE_MS): Promise<string> {
  const client = makeEchoClient(`ipv4:///${pod.address}`);
  try {
    return (await client.call(deadlineMs)).pod;
  } catch (error) {
    return `error ${grpc.status[(error as grpc.ServiceError).code]}`;
  } finally {
    client.close();
  }
}

describe('LocalCluster pod lifecycle', () => {
  let cluster: LocalCluster;
  const pids = new Set<number>();
  const remember = (): void => {
    for (const pod of cluster.pods) if (pod.pid) pids.add(pod.pid);
    if (cluster.dns instanceof DnsmasqServer && cluster.dns.pid) pids.add(cluster.dns.pid);
  };
  const context = (): string => `backend ${cluster.dnsKind}, events:\n${cluster.formatEvents()}`;

  before(async () => {
    cluster = await LocalCluster.start({ replicas: 3, terminationGracePeriodMs: GRACE_MS });
    remember();
  });
  after(() => cluster?.stop());

  it('deletePod: DNS removal first, SIGTERM after preStop, graceful exit 0', async () => {
    const pod = cluster.readyPods[0] as LocalPod;
    const started = Date.now();
    await cluster.deletePod(pod, { preStopMs: PRESTOP_MS });
    // Returned once out of DNS, while the preStop sleep still runs.
    assert.equal(pod.state, 'terminating', context());
    assert.equal(pod.inDns, false);
    assert.ok(!(await cluster.resolve()).includes(pod.ip));
    const exit = await pod.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, context());
    assert.equal(pod.state, 'gone');
    assert.ok(Date.now() - started >= PRESTOP_MS - 5, 'exited before the preStop sleep ended');
    const events = cluster.events;
    const removed = index(
      events,
      (e) => e.kind === 'dns-publish' && e.time >= started && !e.ips?.includes(pod.ip),
      'DNS removal',
    );
    const sigterm = index(events, (e) => e.kind === 'pod-sigterm' && e.pod === pod.name, 'SIGTERM');
    const exited = index(events, (e) => e.kind === 'pod-exited' && e.pod === pod.name, 'exit');
    assert.ok(removed < sigterm && sigterm < exited, context());
    assert.ok(!events.some((e) => e.kind === 'pod-sigkill' && e.pod === pod.name), context());
  });

  it('deletePod of a hung pod: SIGKILL at the grace period', async () => {
    const pod = await cluster.addPod();
    remember();
    cluster.hang(pod);
    const started = Date.now();
    await cluster.deletePod(pod, { wait: true });
    assert.equal((await pod.exited).signal, 'SIGKILL', context());
    assert.ok(Date.now() - started >= GRACE_MS - 5, 'killed before the grace period');
    const sigterm = index(cluster.events, (e) => e.kind === 'pod-sigterm' && e.pod === pod.name, 'SIGTERM');
    const sigkill = index(cluster.events, (e) => e.kind === 'pod-sigkill' && e.pod === pod.name, 'SIGKILL');
    assert.ok(sigterm < sigkill);
  });

  it("onSigterm 'exit' dies of the signal at once", async () => {
    const pod = await cluster.addPod({ onSigterm: 'exit' });
    remember();
    await cluster.deletePod(pod, { wait: true });
    assert.deepEqual(await pod.exited, { code: null, signal: 'SIGTERM' });
  });

  it('rollingUpdate replaces every pod and never has fewer pods in DNS', async () => {
    const before = cluster.activePods;
    assert.equal(before.length, 2);
    const resolver = new Resolver({ timeout: 500, tries: 1 });
    resolver.setServers([cluster.dnsServer]);
    const answers: number[] = [];
    const errors: string[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        try {
          answers.push((await resolver.resolve4(cluster.fqdn)).length);
        } catch (error) {
          errors.push(String((error as NodeJS.ErrnoException).code));
        }
        await sleep(DNS_POLL_MS);
      }
    })();
    const started = Date.now();
    try {
      await cluster.rollingUpdate({ version: 'v2', preStopMs: 100 });
    } finally {
      polling = false;
      await poller;
    }
    remember();
    for (const pod of before) assert.equal(pod.state, 'gone');
    assert.equal(cluster.activePods.length, 2);
    assert.ok(cluster.activePods.every((p) => p.version === 'v2' && p.state === 'ready'));
    assert.equal(cluster.version, 'v2');
    assert.deepEqual(await cluster.resolve(), cluster.activePods.map((p) => p.ip).sort());
    const published = cluster.events.filter((e) => e.kind === 'dns-publish' && e.time >= started);
    assert.ok(published.length >= 4, context());
    assert.ok(
      published.every((e) => (e.ips?.length ?? 0) >= 2),
      context(),
    );
    assert.ok(answers.length > 0 && answers.every((n) => n >= 2), `answers ${answers}\n${context()}`);
    // dnsmasq restarts when the SRV set changes: a query in that gap is refused, or lost with the
    // old process (timeout). The in-process backend has no gap.
    const allowed = cluster.dnsKind === 'dnsmasq' ? ['ECONNREFUSED', 'ETIMEOUT'] : [];
    assert.ok(
      errors.every((code) => allowed.includes(code)),
      `DNS errors ${errors}`,
    );
    for (const pod of cluster.activePods) assert.equal(await callPod(pod), pod.name);
  });

  it('hang keeps the pod in DNS and times calls out; resume brings it back', async () => {
    const pod = cluster.activePods[0] as LocalPod;
    cluster.hang(pod);
    assert.equal(pod.hung, true);
    assert.equal(await callPod(pod, SHORT_DEADLINE_MS), 'error DEADLINE_EXCEEDED');
    assert.ok((await cluster.resolve()).includes(pod.ip));
    await assert.rejects(cluster.stats(pod), /hung/);
    cluster.resume(pod);
    assert.equal(await callPod(pod), pod.name);
  });

  it('failing and slow modes, with call statistics', async () => {
    const pod = cluster.activePods[1] as LocalPod;
    const before = await cluster.stats(pod);
    await cluster.setMode(pod, { kind: 'failing' });
    assert.equal(await callPod(pod), 'error UNAVAILABLE');
    await cluster.setMode(pod, { kind: 'failing', code: grpc.status.RESOURCE_EXHAUSTED });
    assert.equal(await callPod(pod), 'error RESOURCE_EXHAUSTED');
    await cluster.setMode(pod, { kind: 'slow', delayMs: 1000 });
    assert.equal(await callPod(pod, SHORT_DEADLINE_MS), 'error DEADLINE_EXCEEDED');
    await cluster.setMode(pod, { kind: 'slow', delayMs: 50 });
    assert.equal(await callPod(pod), pod.name);
    await cluster.setMode(pod, { kind: 'ok' });
    assert.equal(await callPod(pod), pod.name);
    const stats = await cluster.stats(pod);
    assert.equal(stats.total - before.total, 5);
    const delta = (k: string): number => (stats.byOutcome[k] ?? 0) - (before.byOutcome[k] ?? 0);
    assert.deepEqual(
      [delta('OK'), delta('UNAVAILABLE'), delta('RESOURCE_EXHAUSTED'), delta('CANCELLED')],
      [2, 1, 1, 1],
    );
    assert.ok(stats.lastCallAt !== null && stats.lastCallAt >= (before.lastCallAt ?? 0));
    assert.equal(stats.inFlight, 0);
  });

  it('setHealth flips Health Check and Watch for "" and the Echo service', async () => {
    const pod = cluster.activePods[1] as LocalPod;
    const { HealthClient } = loadTestingProtos();
    const target = `ipv4:///${pod.address}`;
    const health = new HealthClient(target, grpc.credentials.createInsecure()) as unknown as HealthStub;
    const check = (service: string): Promise<string> =>
      new Promise((resolve) => {
        health.Check({ service }, { deadline: Date.now() + DEADLINE_MS }, (error, response) =>
          resolve(error ? `error ${grpc.status[error.code]}` : String(response?.status)),
        );
      });
    const watched: string[] = [];
    const watch = health.Watch({ service: '' });
    watch.on('data', (r: { status: string }) => watched.push(r.status));
    watch.on('error', () => undefined);
    try {
      assert.equal(await check(''), 'SERVING');
      assert.equal(await check('grpc_thick_client.testing.Echo'), 'SERVING');
      assert.equal(await check('no.such.Service'), 'error NOT_FOUND');
      await cluster.setHealth(pod, false);
      assert.equal(await check(''), 'NOT_SERVING');
      assert.equal(await check('grpc_thick_client.testing.Echo'), 'NOT_SERVING');
      assert.equal((await cluster.stats(pod)).serving, false);
      await cluster.setHealth(pod, true);
      assert.equal(await check(''), 'SERVING');
      const deadline = Date.now() + DEADLINE_MS;
      while (watched.length < 3 && Date.now() < deadline) await sleep(DNS_POLL_MS);
      assert.deepEqual(watched, ['SERVING', 'NOT_SERVING', 'SERVING']);
    } finally {
      watch.cancel();
      health.close();
    }
  });

  it('LoadGenerator through makeEchoClient counts calls per pod', async () => {
    const pod = cluster.activePods[0] as LocalPod;
    const client = makeEchoClient(`ipv4:///${pod.address}`);
    try {
      const load = new LoadGenerator(({ deadlineMs, signal }) => client.call(deadlineMs, { signal }));
      load.start({ ratePerSecond: 50, deadlineMs: DEADLINE_MS, maxCalls: 20 });
      const results = await load.done;
      assert.equal(results.successes, 20, JSON.stringify(results.failuresByCode));
      assert.deepEqual(Object.keys(results.perPod), [pod.name]);
    } finally {
      client.close();
    }
  });

  it('crash kills the process but leaves the pod in DNS', async () => {
    const pod = cluster.activePods[0] as LocalPod;
    await cluster.crash(pod);
    assert.equal((await pod.exited).signal, 'SIGKILL');
    assert.equal(pod.crashed, true);
    assert.equal(pod.state, 'gone');
    assert.ok((await cluster.resolve()).includes(pod.ip), context());
    assert.equal(await callPod(pod), 'error UNAVAILABLE');
    await cluster.deletePod(pod);
    assert.ok(!(await cluster.resolve()).includes(pod.ip));
  });

  it('stop() leaves no child process behind', async () => {
    remember();
    await cluster.stop();
    assert.deepEqual([...pids].filter(isPidAlive), []);
  });
});
