// The scenario of figures 1, 2 and (with its own pods) 6: the bed's pods behind its in-process DNS, HAProxy in front
// of the same pods when haproxy is on PATH, and one client per configuration.
import { LocalCluster } from '../lib/testing/cluster.js';
import { CONFIGS, type ConfigId, type Scenario } from './configs.js';
import type { Callers } from './figures/load.js';
import { Caller } from './load/caller.js';
import type { BenchParams } from './params.js';
import { findHaproxy, Haproxy } from './proxy/haproxy.js';

/** Time for a configuration's first call: connecting, and for dns-poll its first DNS answer. */
const READY_TIMEOUT_MS = 10_000;

export class ClusterEnv {
  private constructor(
    readonly cluster: LocalCluster,
    readonly proxy: Haproxy | undefined,
    readonly scenario: Scenario,
    readonly callers: Callers,
  ) {}

  /** `backends` pods (figures 1 and 2: p.backends; figure 6 has its own). */
  static async start(p: BenchParams, backends: number): Promise<ClusterEnv> {
    const cluster = await LocalCluster.start({ replicas: backends, dns: 'inprocess', srv: false });
    let proxy: Haproxy | undefined;
    const callers = new Map<ConfigId, Caller | { skip: string }>();
    try {
      const addresses = cluster.readyPods.map((pod) => pod.address);
      const executable = findHaproxy();
      let proxySkipReason: string | undefined;
      if (!executable) proxySkipReason = 'haproxy is not on PATH (apt-get install -y haproxy)';
      else {
        try {
          proxy = await Haproxy.start(executable, addresses);
        } catch (error) {
          proxySkipReason = (error as Error).message;
        }
      }
      const scenario: Scenario = {
        backends: addresses,
        dnsPollTarget: cluster.target('dns-poll'),
        ...(proxy ? { proxy: proxy.address } : {}),
        ...(proxySkipReason ? { proxySkipReason } : {}),
      };
      for (const config of CONFIGS) {
        const channel = config.channel(scenario);
        callers.set(config.id, 'skip' in channel ? channel : new Caller(channel, p.callDeadlineMs));
      }
      // A configuration that cannot get ready is skipped with the reason; the others still run.
      await Promise.all(
        [...callers].map(async ([id, caller]) => {
          if (!(caller instanceof Caller)) return;
          try {
            await caller.ready(READY_TIMEOUT_MS);
          } catch (error) {
            caller.close();
            callers.set(id, { skip: (error as Error).message });
          }
        }),
      );
      return new ClusterEnv(cluster, proxy, scenario, callers);
    } catch (error) {
      for (const c of callers.values()) if (c instanceof Caller) c.close();
      await proxy?.stop();
      await cluster.stop();
      throw error;
    }
  }

  /** Makes the last backend answer every call `delayMs` late (figure 6). */
  async slowDown(delayMs: number): Promise<void> {
    const pods = this.cluster.readyPods;
    await this.cluster.setMode(pods[pods.length - 1]!, { kind: 'slow', delayMs });
  }

  async stop(): Promise<void> {
    for (const c of this.callers.values()) if (c instanceof Caller) c.close();
    await this.proxy?.stop();
    await this.cluster.stop();
  }
}
