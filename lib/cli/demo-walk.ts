// The demo's walk: a local cluster bed, stock grpc-js and this SDK under the same steady load, and
// the events that break stock clients in Kubernetes, one after another.
import { thickChannelOptions } from '../grpc/channel-options.js';
import { register } from '../grpc/register.js';
import { thickEvents } from '../metrics/events.js';
import type { LocalPod } from '../testing/cluster/pod.js';
import { LocalCluster } from '../testing/cluster.js';
import { type EchoClient, makeEchoClient } from '../testing/echo-client.js';
import { LoadGenerator, type LoadResults } from '../testing/load.js';

/** Every number of the walk; `quick` shortens the waits, never the load. */
export const DEMO_DEFAULTS = Object.freeze({
  replicas: 3,
  scaledTo: 5,
  /** Calls per second through each client. */
  rate: 100,
  /** Longer than the hang, so a call waiting on a frozen pod is slow, not failed. */
  deadlineMs: 3000,
  /** The SDK polls every second here to keep the walk short; its default is 5 s. */
  pollIntervalMs: 1000,
  full: { steadyMs: 6000, scaleMs: 8000, settleMs: 3000, hangMs: 2000, failingMs: 6000 },
  quick: { steadyMs: 2000, scaleMs: 4000, settleMs: 1500, hangMs: 1500, failingMs: 3000 },
  /** Log lines of the SDK kept for the live view. */
  logLines: 4,
});

export type ClientName = 'stock' | 'sdk';
export const CLIENTS: readonly ClientName[] = ['stock', 'sdk'];

export interface StepInfo {
  readonly name: string;
  readonly title: string;
  /** What to watch for, in one sentence. */
  readonly note: string;
}

export const STEPS: readonly StepInfo[] = [
  { name: 'steady', title: 'steady state, 3 pods', note: 'both clients spread calls over every pod' },
  {
    name: 'scale-up',
    title: 'scale-up 3 → 5',
    note: 'the SDK finds the new pods within a poll; stock grpc-js resolved DNS once and never looks again',
  },
  {
    name: 'hung-pod',
    title: 'a pod freezes',
    note: 'the SDK stops sending to it within ~100 ms; stock keeps queueing a third of its calls there',
  },
  {
    name: 'failing-pod',
    title: 'a pod fails every call',
    note: 'the SDK retries elsewhere and ejects it; stock returns the errors to the caller',
  },
  {
    name: 'rolling-update',
    title: 'rolling update, no preStop',
    note: 'every pod is replaced while calls are on their way: the SDK retries them on another pod and follows DNS; stock grpc-js is left with addresses that are gone',
  },
];

export interface PodView {
  readonly name: string;
  readonly address: string;
  readonly state: string;
  readonly ratePerClient: Readonly<Record<ClientName, number>>;
  readonly ejected: boolean;
}

export interface LiveView {
  readonly step: number;
  readonly elapsedMs: number;
  readonly pods: readonly PodView[];
  readonly clients: Readonly<Record<ClientName, { readonly rate: number; readonly failures: number }>>;
  readonly log: readonly string[];
}

export interface StepResult extends StepInfo {
  readonly seconds: number;
  readonly clients: Readonly<Record<ClientName, { readonly calls: number; readonly failures: number }>>;
}

export interface ClientSummary {
  readonly calls: number;
  readonly failedCalls: number;
  /** Share of the scale-up step's calls that went to the two new pods (ideal: 2 of 5). */
  readonly newPodShare: number;
  /** From a new pod's entry in DNS to its first call, the later of the two; null: never. */
  readonly firstCallOnNewPodMs: number | null;
  readonly p99Ms: number | null;
}

export interface DemoReport {
  readonly quick: boolean;
  readonly dns: string;
  readonly rate: number;
  readonly deadlineMs: number;
  readonly durationMs: number;
  readonly steps: readonly StepResult[];
  readonly summary: Readonly<Record<ClientName, ClientSummary>>;
}

const RATE_WINDOW_MS = 1000;
const PERCENTILE = 0.99;

interface Side {
  readonly client: EchoClient;
  readonly generator: LoadGenerator;
  /** Completion times per pod over the last RATE_WINDOW_MS, for the live rates. */
  readonly recent: { at: number; pod: string | undefined }[];
  failures: number;
}

export class DemoWalk {
  private cluster: LocalCluster | undefined;
  private readonly sides = new Map<ClientName, Side>();
  private readonly ejected = new Set<string>();
  private readonly failingPods = new Set<string>();
  private readonly log: string[] = [];
  private step = 0;
  private startedAt = 0;
  /** The last view before the bed stops, so the final frame still shows the pods. */
  private finalView: LiveView | null = null;
  private readonly waits: (typeof DEMO_DEFAULTS)['full'];

  constructor(private readonly quick: boolean) {
    this.waits = quick ? DEMO_DEFAULTS.quick : DEMO_DEFAULTS.full;
  }

  /** Runs the whole walk; `onStep` is told when each step starts. */
  async run(onStep: (index: number) => void): Promise<DemoReport> {
    register({
      logger: {
        warn: (m) => this.note(m),
        info: (m) => this.note(m),
        debug: () => {},
      },
    });
    const offs = [
      thickEvents.on('endpoint_ejected', (e) => this.ejected.add(e.endpoint)),
      thickEvents.on('endpoint_restored', (e) => this.ejected.delete(e.endpoint)),
      thickEvents.on('endpoint_removed', (e) => this.ejected.delete(e.endpoint)),
    ];
    const cluster = await LocalCluster.start({ replicas: DEMO_DEFAULTS.replicas });
    this.cluster = cluster;
    try {
      return await this.walk(cluster, onStep);
    } finally {
      for (const off of offs) off();
      for (const side of this.sides.values()) side.client.close();
      await cluster.stop();
    }
  }

  /** The live view, for a redraw. */
  view(): LiveView {
    if (this.finalView) return this.finalView;
    const now = Date.now();
    const rate = (side: Side | undefined, pod?: string) =>
      side
        ? side.recent.filter((r) => r.at > now - RATE_WINDOW_MS && (pod === undefined || r.pod === pod))
            .length
        : 0;
    const pods = (this.cluster?.pods ?? [])
      .filter((p) => p.state !== 'gone')
      .map((p) => ({
        name: p.name,
        address: p.address,
        state: podState(p, this.failingPods),
        ratePerClient: {
          stock: rate(this.sides.get('stock'), p.name),
          sdk: rate(this.sides.get('sdk'), p.name),
        },
        ejected: this.ejected.has(p.address),
      }));
    for (const side of this.sides.values()) {
      while (side.recent.length > 0 && side.recent[0]!.at <= now - RATE_WINDOW_MS) side.recent.shift();
    }
    const client = (name: ClientName) => ({
      rate: rate(this.sides.get(name)),
      failures: this.sides.get(name)?.failures ?? 0,
    });
    return {
      step: this.step,
      elapsedMs: this.startedAt ? now - this.startedAt : 0,
      pods,
      clients: { stock: client('stock'), sdk: client('sdk') },
      log: this.log.slice(-DEMO_DEFAULTS.logLines),
    };
  }

  get dnsKind(): string {
    return this.cluster?.dnsKind ?? '';
  }

  private note(message: string): void {
    this.log.push(message);
    if (this.log.length > DEMO_DEFAULTS.logLines) this.log.shift();
  }

  private start(cluster: LocalCluster, name: ClientName): Side {
    const client =
      name === 'stock'
        ? makeEchoClient(cluster.target('dns'), {
            'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
          })
        : makeEchoClient(
            cluster.target('dns-poll'),
            thickChannelOptions({
              policy: 'thick_p2c',
              dns: { pollIntervalMs: DEMO_DEFAULTS.pollIntervalMs },
            }),
          );
    const side: Side = {
      client,
      recent: [],
      failures: 0,
      generator: new LoadGenerator(async ({ deadlineMs }) => {
        try {
          const reply = await client.call(deadlineMs);
          side.recent.push({ at: Date.now(), pod: reply.pod });
          return reply;
        } catch (error) {
          side.failures += 1;
          side.recent.push({ at: Date.now(), pod: undefined });
          throw error;
        }
      }),
    };
    this.sides.set(name, side);
    return side;
  }

  private async walk(cluster: LocalCluster, onStep: (index: number) => void): Promise<DemoReport> {
    const sides = CLIENTS.map((name) => this.start(cluster, name));
    await Promise.all(sides.map((s) => s.client.call(DEMO_DEFAULTS.deadlineMs * 2)));
    this.startedAt = Date.now();
    for (const side of sides) {
      side.generator.start({ ratePerSecond: DEMO_DEFAULTS.rate, deadlineMs: DEMO_DEFAULTS.deadlineMs });
    }
    const bounds: number[] = [Date.now()];
    const mark = (index: number) => {
      this.step = index;
      bounds[index] = Date.now();
      onStep(index);
    };
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const w = this.waits;
    const podsBefore = new Set(cluster.activePods.map((p) => p.name));

    mark(0);
    await sleep(w.steadyMs);

    mark(1);
    await cluster.scale(DEMO_DEFAULTS.scaledTo);
    const newPods = cluster.activePods.filter((p) => !podsBefore.has(p.name));
    await sleep(w.scaleMs);

    mark(2);
    const frozen = cluster.activePods[0]!;
    cluster.hang(frozen);
    await sleep(w.hangMs);
    cluster.resume(frozen);
    await sleep(w.settleMs);

    mark(3);
    const failing = cluster.activePods[1]!;
    this.failingPods.add(failing.name);
    await cluster.setMode(failing, { kind: 'failing' });
    await sleep(w.failingMs);
    await cluster.setMode(failing, { kind: 'ok' });
    this.failingPods.delete(failing.name);

    // Last: stock grpc-js re-resolves at most every 30 s, so it does not recover within the walk.
    mark(4);
    await cluster.rollingUpdate({ version: 'v2', preStopMs: 0 });
    await sleep(w.settleMs);

    bounds[STEPS.length] = Date.now();
    this.finalView = this.view();
    const results = new Map<ClientName, LoadResults>();
    for (const name of CLIENTS) results.set(name, await this.sides.get(name)!.generator.stop());
    return {
      quick: this.quick,
      dns: cluster.dnsKind,
      rate: DEMO_DEFAULTS.rate,
      deadlineMs: DEMO_DEFAULTS.deadlineMs,
      durationMs: bounds[STEPS.length]! - this.startedAt,
      steps: STEPS.map((info, i) => stepResult(info, bounds[i]!, bounds[i + 1]!, results)),
      summary: {
        stock: summarize(results.get('stock')!, newPods, bounds[1]!, bounds[2]!),
        sdk: summarize(results.get('sdk')!, newPods, bounds[1]!, bounds[2]!),
      },
    };
  }
}

function podState(pod: LocalPod, failing: ReadonlySet<string>): string {
  if (pod.hung) return 'frozen';
  if (failing.has(pod.name)) return 'failing';
  if (pod.state === 'ready' && !pod.inDns) return 'not in DNS';
  return pod.state;
}

function stepResult(
  info: StepInfo,
  from: number,
  to: number,
  results: Map<ClientName, LoadResults>,
): StepResult {
  const count = (name: ClientName) => {
    const records = results.get(name)!.records.filter((r) => r.scheduledAt >= from && r.scheduledAt < to);
    return { calls: records.length, failures: records.filter((r) => r.code !== undefined).length };
  };
  return { ...info, seconds: (to - from) / 1000, clients: { stock: count('stock'), sdk: count('sdk') } };
}

function summarize(r: LoadResults, newPods: readonly LocalPod[], from: number, to: number): ClientSummary {
  const inStep = r.records.filter((x) => x.scheduledAt >= from && x.scheduledAt < to && x.pod !== undefined);
  const names = new Set(newPods.map((p) => p.name));
  const toNew = inStep.filter((x) => names.has(x.pod!)).length;
  let firstCall: number | null = 0;
  for (const pod of newPods) {
    let first = Number.POSITIVE_INFINITY;
    for (const x of r.records) if (x.pod === pod.name && x.scheduledAt < first) first = x.scheduledAt;
    if (!Number.isFinite(first) || pod.readyAt === undefined) {
      firstCall = null;
      break;
    }
    firstCall = Math.max(firstCall, first - pod.readyAt);
  }
  const latencies = r.records.map((x) => x.latencyMs).sort((a, b) => a - b);
  return {
    calls: r.total,
    failedCalls: r.failures,
    newPodShare: inStep.length > 0 ? toNew / inStep.length : 0,
    firstCallOnNewPodMs: firstCall === null ? null : Math.max(0, Math.round(firstCall)),
    p99Ms:
      latencies.length > 0 ? Math.round(latencies[Math.floor(PERCENTILE * (latencies.length - 1))]!) : null,
  };
}
