// The scenario of figures 4 and 5: backend hosts on many loopback addresses, the bed's in-process
// DNS server naming some of them, and fresh scale-client processes to measure.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { serviceRecords } from '../../lib/testing/cluster/records.js';
import { InProcessDnsServer } from '../../lib/testing/dns/inprocess-server.js';
import { BackendHosts, loopbackAddresses } from '../backends/hosts.js';
import { BenchChild } from '../children.js';
import type { ChannelOrSkip, Scenario } from '../configs.js';
import type { ScaleReply } from './protocol.js';

const NAMES = Object.freeze({
  fqdn: 'bench.default.svc.cluster.local',
  srvName: '_grpc._tcp.bench.default.svc.cluster.local',
  ttlSeconds: 1,
  /** How often the DNS query log is read while waiting for the client's next poll. */
  pollWatchMs: 5,
  /** Connections of a killed client are closed by the kernel at once; this bounds the wait. */
  quiesceTimeoutMs: 5000,
});

export class HostScenario {
  private constructor(
    readonly hosts: BackendHosts,
    readonly dns: InProcessDnsServer,
  ) {}

  /** Hosts listening on `addresses` loopback addresses; DNS empty until publish(). */
  static async start(addresses: number, processes: number): Promise<HostScenario> {
    const dns = await InProcessDnsServer.start({ ttlSeconds: NAMES.ttlSeconds });
    try {
      return new HostScenario(await BackendHosts.start(loopbackAddresses(addresses), processes), dns);
    } catch (error) {
      await dns.close();
      throw error;
    }
  }

  /** The configurations' view: `ips` in DNS, polled every `pollIntervalMs` without jitter. */
  scenario(ips: readonly string[], pollIntervalMs: number): Scenario {
    return {
      backends: ips.map((ip) => `${ip}:${this.hosts.port}`),
      dnsPollTarget: `dns-poll://${this.dns.address}/${NAMES.fqdn}:${this.hosts.port}`,
      dns: { pollIntervalMs, pollJitter: 0, minResolutionIntervalMs: pollIntervalMs },
    };
  }

  /** Where the service's name is served, for the scale client's bare polls. */
  dnsQuestion(): { readonly host: string; readonly port: number; readonly name: string } {
    return { host: this.dns.host, port: this.dns.port, name: NAMES.fqdn };
  }

  publish(ips: readonly string[]): Promise<void> {
    const names = { fqdn: NAMES.fqdn, srvName: NAMES.srvName, port: this.hosts.port };
    return this.dns.publish(serviceRecords(names, ips, false));
  }

  /** Complete A answers for the service sent since `since` (Date.now()): one per client poll. */
  pollsSince(since: number): number {
    return this.dns.queries.filter(
      (q) =>
        q.time >= since && q.type === 'A' && q.name === NAMES.fqdn && q.rcode === 'NOERROR' && !q.truncated,
    ).length;
  }

  /** Resolves once a poll answered after `since`. */
  async nextPoll(since: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.pollsSince(since) === 0) {
      if (Date.now() > deadline) throw new Error(`no DNS poll within ${timeoutMs} ms`);
      await sleep(NAMES.pollWatchMs);
    }
  }

  /** Waits until no host has an open connection (a killed client's are all closed). */
  async quiesce(): Promise<void> {
    const deadline = Date.now() + NAMES.quiesceTimeoutMs;
    for (;;) {
      const { connects, closes } = await this.hosts.counts();
      if (Object.keys(connects).every((ip) => connects[ip] === closes[ip])) return;
      if (Date.now() > deadline) throw new Error('backend connections still open after the client exited');
      await sleep(NAMES.pollWatchMs * 10);
    }
  }

  async stop(): Promise<void> {
    await this.hosts.stop();
    await this.dns.close();
  }
}

/** A fresh scale client with its idle baseline taken: memory after GC and CPU over `idleMs`. */
export async function startScaleClient(
  idleMs: number,
): Promise<{ client: BenchChild; idleRssBytes: number; idleHeapBytes: number; idleCpuUsPerMs: number }> {
  // For profiling, e.g. GRPC_THICK_BENCH_CLIENT_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof".
  const extra = process.env.GRPC_THICK_BENCH_CLIENT_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const execArgv = ['--expose-gc', ...extra];
  const client = new BenchChild(join(__dirname, 'client-main.js'), {}, execArgv);
  await client.once('started');
  const memory = await client.request<Extract<ScaleReply, { type: 'memory' }>>({ type: 'memory' });
  await client.request({ type: 'cpu-mark' });
  await sleep(idleMs);
  const cpu = await client.request<Extract<ScaleReply, { type: 'cpu-read' }>>({ type: 'cpu-read' });
  return {
    client,
    idleRssBytes: memory.rssBytes,
    idleHeapBytes: memory.heapUsedBytes,
    idleCpuUsPerMs: cpu.cpuUs / cpu.elapsedMs,
  };
}

/** Connects the client's channel and waits for `expected` READY subchannels. */
export async function connectClient(
  client: BenchChild,
  channel: Exclude<ChannelOrSkip, { skip: string }>,
  expected: number,
  timeoutMs: number,
): Promise<Extract<ScaleReply, { type: 'connect' }>> {
  const reply = await client.request<Extract<ScaleReply, { type: 'connect' }>>({
    type: 'connect',
    target: channel.target,
    options: channel.options as Record<string, string | number>,
    expected,
    timeoutMs,
  });
  if (reply.error) throw new Error(reply.error);
  return reply;
}
