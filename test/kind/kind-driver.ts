// The shared scenarios on a kind cluster, through kubectl: load runs in Jobs (the image's load
// client) and is read back from their result line; pods are the Deployment's. Times are this
// process's clock, which the kind nodes (containers) share.
import { setTimeout as sleep } from 'node:timers/promises';
import type { IJob } from 'kubernetes-models/batch/v1/Job' with { 'resolution-mode': 'import' };
import { PRESTOP_SIZING_DEFAULTS, RESOLVER_DEFAULTS } from '../../lib/config/defaults.js';
import type {
  LoadSummary,
  PodEvent,
  ScenarioDriver,
  ScenarioLoad,
  ScenarioLoadOptions,
  ScenarioTiming,
} from '../../lib/testing/scenarios/driver.js';
import { parseLoadResult } from '../../lib/testing/scenarios/result-line.js';
import type { KindCluster, Kubectl } from './cluster.js';
import { loadManifests, type Manifests, renderDeployment, renderLoadJob } from './manifests.js';

interface PodJson {
  metadata: { name: string; deletionTimestamp?: string };
  status?: { conditions?: { type: string; status: string }[] };
}

interface JobStatus {
  succeeded?: number;
  failed?: number;
}

const POLL_API_MS = 250;
const WAIT_MS = 300_000;

function isReady(pod: PodJson): boolean {
  return (
    pod.metadata.deletionTimestamp === undefined &&
    (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  );
}

export class KindDriver implements ScenarioDriver {
  readonly label = 'kind';
  readonly supportsStock = true;
  /** The load Job runs the SDK's defaults; CoreDNS answers with the docs' TTL (see KindCluster). */
  readonly timing: ScenarioTiming = {
    pollIntervalMs: RESOLVER_DEFAULTS.pollIntervalMs,
    pollJitter: RESOLVER_DEFAULTS.pollJitter,
    dnsStalenessMs: PRESTOP_SIZING_DEFAULTS.dnsTtlMs,
    observationSlackMs: 1000,
  };
  private readonly k: Kubectl;
  private readonly manifests: Manifests = loadManifests();
  private revision = 0;
  private replicas = 0;
  private jobs = 0;

  constructor(private readonly cluster: KindCluster) {
    this.k = cluster.kubectl;
  }

  /** The Service and `replicas` settled pods with preStop, whatever the previous scenario left. */
  async deploy(replicas: number): Promise<void> {
    this.replicas = replicas;
    await this.k.apply(this.manifests.service);
    await this.k.apply(renderDeployment(this.manifests.deployment, { replicas, revision: this.revision }));
    await this.k.run(['rollout', 'status', 'deployment/echo', `--timeout=${WAIT_MS / 1000}s`], {
      timeoutMs: WAIT_MS + 10_000,
    });
    await this.until('only the ready pods are left', async () => {
      const pods = await this.pods();
      return pods.length === replicas && pods.every(isReady);
    });
  }

  private async pods(): Promise<PodJson[]> {
    return (await this.k.json<{ items: PodJson[] }>(['get', 'pods', '-l', 'app=echo'])).items;
  }

  /** Polls `check` until true; a failing kubectl call counts as "not yet" (the API server may blip). */
  private async until(what: string, check: () => Promise<boolean>, timeoutMs = WAIT_MS): Promise<void> {
    const end = Date.now() + timeoutMs;
    let lastError: unknown;
    for (;;) {
      try {
        if (await check()) return;
      } catch (error) {
        lastError = error;
      }
      if (Date.now() > end) {
        const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
        throw new Error(`kind: timed out waiting until ${what}${cause}`);
      }
      await sleep(POLL_API_MS);
    }
  }

  async readyPods(): Promise<string[]> {
    return (await this.pods()).filter(isReady).map((p) => p.metadata.name);
  }

  async startLoad(options: ScenarioLoadOptions): Promise<ScenarioLoad> {
    const name = `echo-load-${++this.jobs}`;
    const job: IJob = renderLoadJob(this.manifests.job, {
      name,
      env: {
        RATE: options.ratePerSecond,
        DEADLINE_MS: options.deadlineMs,
        MAX_CALLS: options.maxCalls,
        SETTLE_MS: options.settleMs,
        CLIENT: options.client,
      },
    });
    await this.k.apply(job);
    const logs = () => this.k.run(['logs', `job/${name}`]).catch(() => '');
    let early: string | undefined;
    await this.until(`${name} started its load`, async () => {
      const text = await logs();
      if (parseLoadResult(text)) early = text;
      return early !== undefined || text.includes('load started');
    });
    if (early !== undefined) throw new Error(`${name} ended before its load started:\n${early}`);
    const result = async (): Promise<LoadSummary> => {
      // A Job that failed (its client could not start) never completes: wait for either outcome.
      await this.until(`${name} ended`, async () => {
        const status = (await this.k.json<{ status?: JobStatus }>(['get', `job/${name}`])).status;
        return (status?.succeeded ?? 0) > 0 || (status?.failed ?? 0) > 0;
      });
      const text = await logs();
      const parsed = parseLoadResult(text);
      if (!parsed) throw new Error(`${name} printed no result line:\n${text}`);
      if (parsed.error) throw new Error(`${name}: ${parsed.error}`);
      return parsed;
    };
    let stopped: Promise<LoadSummary> | undefined;
    return {
      stop: () => {
        stopped ??= (async () => {
          const pod = (await this.k.run(['get', 'pods', '-l', `job-name=${name}`, '-o', 'name'])).trim();
          await this.k.run(['exec', pod, '--', 'node', '-e', "process.kill(1, 'SIGTERM')"]);
          return result();
        })();
        return stopped;
      },
      get done() {
        return result();
      },
    };
  }

  async scaleUp(replicas: number): Promise<PodEvent[]> {
    const before = new Set((await this.pods()).map((p) => p.metadata.name));
    await this.k.run(['scale', 'deployment/echo', `--replicas=${replicas}`]);
    this.replicas = replicas;
    const seen = new Map<string, number>();
    await this.until(`${replicas} pods are ready`, async () => {
      const ready = (await this.pods()).filter(isReady).map((p) => p.metadata.name);
      for (const name of ready) if (!before.has(name) && !seen.has(name)) seen.set(name, Date.now());
      return ready.length >= replicas;
    });
    return [...seen].map(([name, at]) => ({ name, at }));
  }

  async scaleDown(replicas: number): Promise<PodEvent[]> {
    const before = await this.readyPods();
    await this.k.run(['scale', 'deployment/echo', `--replicas=${replicas}`]);
    this.replicas = replicas;
    const removed = new Map<string, number>();
    await this.until(`${before.length - replicas} pods are terminating`, async () => {
      for (const pod of await this.pods()) {
        const name = pod.metadata.name;
        if (pod.metadata.deletionTimestamp && before.includes(name) && !removed.has(name)) {
          removed.set(name, Date.now());
        }
      }
      return removed.size >= before.length - replicas;
    });
    await this.gone([...removed.keys()]);
    return [...removed].map(([name, at]) => ({ name, at }));
  }

  /** Until the pods are deleted (polled: `kubectl wait --for=delete` fails on one already gone in older kubectl). */
  private async gone(names: readonly string[]): Promise<void> {
    await this.until(`${names.join(', ')} are gone`, async () => {
      const left = new Set((await this.pods()).map((p) => p.metadata.name));
      return names.every((n) => !left.has(n));
    });
  }

  async rollingUpdate(options: { readonly preStop: boolean }): Promise<void> {
    const old = await this.readyPods();
    this.revision++;
    const deployment = renderDeployment(this.manifests.deployment, {
      replicas: this.replicas,
      revision: this.revision,
      preStop: options.preStop,
    });
    await this.k.apply(deployment);
    await this.k.run(['rollout', 'status', 'deployment/echo', `--timeout=${WAIT_MS / 1000}s`], {
      timeoutMs: WAIT_MS + 10_000,
    });
    await this.gone(old);
  }

  async deletePod(name: string): Promise<{ removed: PodEvent; replacement: PodEvent }> {
    const before = new Set((await this.pods()).map((p) => p.metadata.name));
    await this.k.run(['delete', 'pod', name, '--wait=false']);
    const removed = { name, at: Date.now() };
    let replacement: PodEvent | undefined;
    await this.until('the replacement pod is ready', async () => {
      const fresh = (await this.pods()).find((p) => !before.has(p.metadata.name) && isReady(p));
      if (fresh) replacement = { name: fresh.metadata.name, at: Date.now() };
      return replacement !== undefined;
    });
    await this.gone([name]);
    return { removed, replacement: replacement! };
  }

  restartDns(): Promise<void> {
    return this.cluster.restartDns();
  }
}
