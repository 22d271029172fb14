// The shared scenarios on the local cluster bed: load runs in this process through the clients the
// caller builds, pods are the bed's processes, "in DNS" is when the bed published them.
import { setTimeout as sleep } from 'node:timers/promises';
import type { LocalCluster } from '../cluster.js';
import type { EchoClient } from '../echo-client.js';
import { LoadGenerator } from '../load.js';
import type {
  PodEvent,
  ScenarioDriver,
  ScenarioLoad,
  ScenarioLoadOptions,
  ScenarioTiming,
} from './driver.js';
import { minimumPreStopMs } from './driver.js';

export interface BedDriverOptions {
  /** The clients' DNS timing; the bed's DNS has no cache, so its staleness is 0. */
  readonly pollIntervalMs: number;
  readonly pollJitter: number;
  /** The SDK's client under test, one per load. */
  readonly thickClient: () => EchoClient;
  /** Stock grpc-js for comparison (dns: + round_robin), if wanted. */
  readonly stockClient?: () => EchoClient;
  /**
   * The preStop sleep of deleted pods; default: the docs' formula with the bed's TTL and a 1 s
   * margin (a bed has no endpoints controller or DNS watch to wait for).
   */
  readonly preStopMs?: number;
  /** How long restartDns() keeps the DNS server down. Default 2 s. */
  readonly dnsRestartMs?: number;
  /** Deadline of the warm-up call that starts each load. Default 5 s. */
  readonly warmUpDeadlineMs?: number;
}

export class BedDriver implements ScenarioDriver {
  readonly label: string;
  readonly timing: ScenarioTiming;
  readonly supportsStock: boolean;
  readonly preStopMs: number;

  constructor(
    private readonly cluster: LocalCluster,
    private readonly options: BedDriverOptions,
  ) {
    this.label = `local bed (${cluster.dnsKind})`;
    this.timing = {
      pollIntervalMs: options.pollIntervalMs,
      pollJitter: options.pollJitter,
      dnsStalenessMs: 0,
      observationSlackMs: 0,
    };
    this.supportsStock = options.stockClient !== undefined;
    this.preStopMs =
      options.preStopMs ??
      minimumPreStopMs({
        pollIntervalMs: options.pollIntervalMs,
        pollJitter: options.pollJitter,
        dnsTtlMs: cluster.ttlSeconds * 1000,
        marginMs: 1000,
      });
  }

  async readyPods(): Promise<string[]> {
    return this.cluster.activePods.filter((p) => p.state === 'ready').map((p) => p.name);
  }

  async startLoad(options: ScenarioLoadOptions): Promise<ScenarioLoad> {
    const make = options.client === 'stock' ? this.options.stockClient : this.options.thickClient;
    if (!make) throw new Error('this bed driver has no stock client');
    const client = make();
    try {
      await client.call(this.options.warmUpDeadlineMs ?? 5000);
      if (options.settleMs) await sleep(options.settleMs);
    } catch (error) {
      client.close();
      throw error;
    }
    // The gRPC deadline ends late calls (DEADLINE_EXCEEDED, as in production), not a client-side cancel.
    const generator = new LoadGenerator(({ deadlineMs }) => client.call(deadlineMs));
    generator.start({
      ratePerSecond: options.ratePerSecond,
      deadlineMs: options.deadlineMs,
      ...(options.maxCalls === undefined ? {} : { maxCalls: options.maxCalls }),
    });
    let closed = false;
    const close = <T>(value: T): T => {
      if (!closed) client.close();
      closed = true;
      return value;
    };
    return {
      stop: () => generator.stop().then(close),
      get done() {
        return generator.done.then(close);
      },
    };
  }

  async scaleUp(replicas: number): Promise<PodEvent[]> {
    const count = replicas - this.cluster.activePods.length;
    return Promise.all(
      Array.from({ length: Math.max(0, count) }, async () => {
        const pod = await this.cluster.addPod();
        return { name: pod.name, at: Date.now() };
      }),
    );
  }

  async scaleDown(replicas: number): Promise<PodEvent[]> {
    // Newest first, as a ReplicaSet picks.
    const active = this.cluster.activePods;
    const victims = [...active]
      .sort((a, b) => b.index - a.index)
      .slice(0, Math.max(0, active.length - replicas));
    const removed = await Promise.all(
      victims.map(async (pod) => {
        await this.cluster.deletePod(pod, { preStopMs: this.preStopMs });
        return { name: pod.name, at: Date.now() };
      }),
    );
    await Promise.all(victims.map((pod) => pod.exited));
    return removed;
  }

  async rollingUpdate(options: { readonly preStop: boolean }): Promise<void> {
    const next = `v${Number(this.cluster.version.replace(/^v/, '')) + 1 || 2}`;
    await this.cluster.rollingUpdate({ version: next, preStopMs: options.preStop ? this.preStopMs : 0 });
  }

  async deletePod(name: string): Promise<{ removed: PodEvent; replacement: PodEvent }> {
    const pod = this.cluster.pod(name);
    // A ReplicaSet starts the replacement as soon as the pod is marked for deletion.
    const [removed, replacement] = await Promise.all([
      this.cluster.deletePod(pod, { preStopMs: this.preStopMs }).then(() => ({ name, at: Date.now() })),
      this.cluster.addPod().then((p) => ({ name: p.name, at: Date.now() })),
    ]);
    await pod.exited;
    return { removed, replacement };
  }

  async restartDns(): Promise<void> {
    await this.cluster.dnsFault('down');
    await sleep(this.options.dnsRestartMs ?? 2000);
    await this.cluster.dnsFault('none');
  }
}
