// LocalCluster: a Kubernetes namespace with one headless Service, on one Linux machine. Pods are
// grpc-js server processes on their own loopback IPs; cluster DNS is dnsmasq or an in-process
// server; publication follows EndpointSlice → CoreDNS (ready pods only, NXDOMAIN at zero).
import { Resolver } from 'node:dns/promises';
import { PodAddressAllocator } from './cluster/addresses.js';
import { type ClusterEvent, EventLog } from './cluster/events.js';
import type {
  DeletePodOptions,
  LocalClusterOptions,
  RollingUpdateOptions,
  ScaleOptions,
} from './cluster/options.js';
import { type AddPodOptions, ClusterPod, type LocalPod } from './cluster/pod.js';
import { waitUntilServing } from './cluster/readiness.js';
import { serviceRecords } from './cluster/records.js';
import { resolveDnsBackend, startClusterDns } from './dns/backends.js';
import { type ClusterDns, type DnsBackendKind, type DnsFault, formatFault } from './dns/types.js';
import type { PodStats } from './pod/protocol.js';
import { directTarget, type PodMode } from './pod/protocol.js';

export const LOCAL_CLUSTER_DEFAULTS = Object.freeze({
  service: 'echo',
  namespace: 'default',
  clusterDomain: 'cluster.local',
  port: 50051,
  portName: 'grpc',
  ttlSeconds: 1,
  srv: true,
  replicas: 0,
  version: 'v1',
  scheme: 'dns-poll',
  /** Kubernetes' default is 30 s; a bed wants hung pods gone sooner. */
  terminationGracePeriodMs: 3000,
  readinessPeriodMs: 100,
  readinessTimeoutMs: 1000,
  podStartTimeoutMs: 15_000,
  resolverTimeoutMs: 1000,
});

export type PodRef = LocalPod | string;

export class LocalCluster {
  readonly service: string;
  readonly namespace: string;
  readonly port: number;
  readonly fqdn: string;
  readonly srvName: string;
  readonly ttlSeconds: number;
  readonly dnsKind: DnsBackendKind;
  private readonly options: LocalClusterOptions;
  private readonly log: EventLog;
  private readonly addresses: PodAddressAllocator;
  private readonly podList: ClusterPod[] = [];
  private dnsBackend: ClusterDns | undefined;
  private publishChain: Promise<void> = Promise.resolve();
  private lastPublished: string | undefined;
  private podCounter = 0;
  private currentVersion: string;
  private stopping: Promise<void> | undefined;

  constructor(options: LocalClusterOptions = {}) {
    const d = LOCAL_CLUSTER_DEFAULTS;
    this.options = options;
    this.service = options.service ?? d.service;
    this.namespace = options.namespace ?? d.namespace;
    this.port = options.port ?? d.port;
    this.ttlSeconds = options.ttlSeconds ?? d.ttlSeconds;
    this.fqdn = `${this.service}.${this.namespace}.svc.${d.clusterDomain}`;
    this.srvName = `_${options.portName ?? d.portName}._tcp.${this.fqdn}`;
    this.dnsKind = resolveDnsBackend(options.dns ?? 'auto');
    this.log = new EventLog(options.log);
    this.addresses = new PodAddressAllocator(options.podAddressBlock);
    this.currentVersion = options.podDefaults?.version ?? d.version;
  }

  /** Starts DNS and `replicas` pods; on failure everything started is stopped again. */
  static async start(options: LocalClusterOptions = {}): Promise<LocalCluster> {
    const cluster = new LocalCluster(options);
    try {
      await cluster.start();
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  async start(): Promise<void> {
    if (this.dnsBackend) throw new Error('cluster already started');
    this.dnsBackend = await startClusterDns(this.dnsKind, {
      ttlSeconds: this.ttlSeconds,
      zone: LOCAL_CLUSTER_DEFAULTS.clusterDomain,
      ...(this.options.log ? { log: this.options.log } : {}),
    });
    this.log.add('dns-started', {
      detail: `${this.dnsKind} on ${this.dnsBackend.address}, ttl ${this.ttlSeconds}s`,
    });
    await this.scale(this.options.replicas ?? LOCAL_CLUSTER_DEFAULTS.replicas);
  }

  get dns(): ClusterDns {
    if (!this.dnsBackend) throw new Error('cluster not started');
    return this.dnsBackend;
  }

  /** "127.0.53.1:2xxxx" */
  get dnsServer(): string {
    return this.dns.address;
  }

  get podAddressBlock(): string {
    return this.addresses.block;
  }

  /**
   * `${scheme}://${dnsServer}/${fqdn}:${port}`. Stock grpc-js (`dns`) honours the server in the
   * target only with GRPC_NODE_USE_ALTERNATIVE_RESOLVER=true set before grpc-js loads.
   */
  target(scheme: string = LOCAL_CLUSTER_DEFAULTS.scheme): string {
    return `${scheme}://${this.dnsServer}/${this.fqdn}:${this.port}`;
  }

  /** Every pod this bed ever started, oldest first, gone ones included. */
  get pods(): readonly LocalPod[] {
    return [...this.podList];
  }

  /** Pods not being deleted and not exited (what a Deployment counts as replicas). */
  get activePods(): readonly LocalPod[] {
    return this.podList.filter((p) => p.state === 'starting' || p.state === 'ready');
  }

  get readyPods(): readonly LocalPod[] {
    return this.podList.filter((p) => p.state === 'ready');
  }

  /** The pods the last completed DNS publish contained. */
  get podsInDns(): readonly LocalPod[] {
    return this.podList.filter((p) => p.inDns);
  }

  get version(): string {
    return this.currentVersion;
  }

  get events(): readonly ClusterEvent[] {
    return this.log.events;
  }

  /** The event log as text (times relative to the bed's creation), for assertion messages. */
  formatEvents(since?: number): string {
    return this.log.format(since);
  }

  pod(ref: PodRef): LocalPod {
    return this.find(ref);
  }

  /** Starts a pod; resolves once it passed readiness and DNS publishes it. */
  async addPod(options: AddPodOptions = {}): Promise<LocalPod> {
    this.assertRunning();
    const o = { ...this.options.podDefaults, ...options };
    const index = ++this.podCounter;
    const pod = new ClusterPod(
      {
        name: `${this.service}-${index}`,
        ip: this.addresses.next(),
        port: this.port,
        version: o.version ?? this.currentVersion,
        mode: o.mode ?? { kind: 'ok' },
        serving: o.serving ?? true,
        onSigterm: o.onSigterm ?? 'graceful',
        drainDelayMs: o.drainDelayMs ?? 0,
        startupDelayMs: o.startupDelayMs ?? 0,
        serverOptions: o.serverOptions ?? {},
      },
      index,
      this.options.log,
    );
    this.podList.push(pod);
    this.log.add('pod-started', { pod: pod.name, detail: `${pod.address} pid ${pod.pid} ${pod.version}` });
    pod.process.onDraining(() => this.log.add('pod-draining', { pod: pod.name }));
    void pod.exited.then((exit) => {
      this.log.add('pod-exited', {
        pod: pod.name,
        detail: exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`,
      });
    });
    try {
      await pod.process.listening;
      this.log.add('pod-listening', { pod: pod.name });
      await waitUntilServing(directTarget(pod.ip, pod.port), {
        periodMs: this.options.readinessPeriodMs ?? LOCAL_CLUSTER_DEFAULTS.readinessPeriodMs,
        probeTimeoutMs: this.options.readinessTimeoutMs ?? LOCAL_CLUSTER_DEFAULTS.readinessTimeoutMs,
        startTimeoutMs: this.options.podStartTimeoutMs ?? LOCAL_CLUSTER_DEFAULTS.podStartTimeoutMs,
        abandoned: () => (pod.state === 'starting' && !this.stopping ? undefined : `pod is ${pod.state}`),
      });
    } catch (error) {
      if (pod.state === 'starting') pod.process.signal('SIGKILL');
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`${pod.name} did not get ready: ${message}\n${pod.process.stderr}`);
    }
    pod.state = 'ready';
    pod.readyAt = Date.now();
    pod.wanted = true;
    this.log.add('pod-ready', { pod: pod.name });
    await this.publish();
    return pod;
  }

  /** Up: new pods in parallel, resolved when ready. Down: newest first, like a ReplicaSet. */
  async scale(replicas: number, options: ScaleOptions = {}): Promise<void> {
    this.assertRunning();
    const active = this.podList.filter((p) => p.state === 'starting' || p.state === 'ready');
    if (replicas > active.length) {
      const count = replicas - active.length;
      await Promise.all(Array.from({ length: count }, () => this.addPod(options.pod)));
    } else if (replicas < active.length) {
      const victims = [...active].sort((a, b) => b.index - a.index).slice(0, active.length - replicas);
      await Promise.all(victims.map((p) => this.deletePod(p, options)));
    }
  }

  /**
   * As the kubelet: DNS removal and the preStop sleep start together; SIGTERM after preStop;
   * SIGKILL at terminationGracePeriodMs counted from now. Resolves once DNS no longer has the pod
   * (or, with wait, once it exited).
   */
  async deletePod(ref: PodRef, options: DeletePodOptions = {}): Promise<void> {
    this.assertRunning();
    const pod = this.find(ref);
    if (!pod.removal) {
      const preStopMs = options.preStopMs ?? 0;
      const graceMs =
        this.options.terminationGracePeriodMs ?? LOCAL_CLUSTER_DEFAULTS.terminationGracePeriodMs;
      pod.deletedAt = Date.now();
      pod.wanted = false;
      if (pod.state !== 'gone') pod.state = 'terminating';
      this.log.add('pod-terminating', {
        pod: pod.name,
        detail: `preStop ${preStopMs}ms, grace ${graceMs}ms`,
      });
      pod.removal = this.publish();
      const sigterm = () => {
        if (pod.process.signal('SIGTERM')) this.log.add('pod-sigterm', { pod: pod.name });
      };
      if (preStopMs > 0) pod.later(preStopMs, sigterm);
      else sigterm();
      pod.later(graceMs, () => {
        if (pod.process.signal('SIGKILL'))
          this.log.add('pod-sigkill', { pod: pod.name, detail: 'grace period over' });
      });
    }
    await pod.removal;
    if (options.wait) await pod.exited;
  }

  /** maxSurge 1, maxUnavailable 0: a new ready pod, then one old deleted; resolves when all old are gone. */
  async rollingUpdate(options: RollingUpdateOptions): Promise<void> {
    this.assertRunning();
    const old = this.podList.filter((p) => p.state === 'starting' || p.state === 'ready');
    this.currentVersion = options.version;
    this.log.add('rollout-started', {
      detail: `${options.version}, replacing ${old.map((p) => p.name).join(' ')}`,
    });
    for (const pod of old) {
      await this.addPod({ ...options.pod, version: options.version });
      await this.deletePod(pod, options.preStopMs === undefined ? {} : { preStopMs: options.preStopMs });
    }
    await Promise.all(old.map((p) => p.exited));
    this.log.add('rollout-finished', { detail: options.version });
  }

  /** SIGSTOP: the pod keeps its place in DNS and its TCP backlog, but never answers. */
  hang(ref: PodRef): void {
    const pod = this.find(ref);
    if (!pod.process.signal('SIGSTOP')) throw new Error(`${pod.name} is not running`);
    pod.hung = true;
    this.log.add('pod-hung', { pod: pod.name });
  }

  resume(ref: PodRef): void {
    const pod = this.find(ref);
    if (!pod.process.signal('SIGCONT')) throw new Error(`${pod.name} is not running`);
    pod.hung = false;
    this.log.add('pod-resumed', { pod: pod.name });
  }

  /** SIGKILL without deletion: the pod stays in DNS, as until a readiness probe notices. */
  async crash(ref: PodRef): Promise<void> {
    const pod = this.find(ref);
    if (!pod.process.signal('SIGKILL')) throw new Error(`${pod.name} is not running`);
    pod.crashed = true;
    this.log.add('pod-crashed', { pod: pod.name });
    await pod.exited;
  }

  async setMode(ref: PodRef, mode: PodMode): Promise<void> {
    const pod = this.find(ref);
    await pod.process.request({ type: 'setMode', mode });
    this.log.add('pod-mode', { pod: pod.name, detail: JSON.stringify(mode) });
  }

  /** Flips the pod's health status. Readiness is probed only until a pod is first ready. */
  async setHealth(ref: PodRef, serving: boolean): Promise<void> {
    const pod = this.find(ref);
    await pod.process.request({ type: 'setHealth', serving });
    this.log.add('pod-health', { pod: pod.name, detail: serving ? 'SERVING' : 'NOT_SERVING' });
  }

  /** Call counters of a running pod (rejects for a hung or gone pod). */
  stats(ref: PodRef): Promise<PodStats> {
    return this.find(ref).process.request({ type: 'stats' });
  }

  async dnsFault(fault: DnsFault): Promise<void> {
    await this.dns.setFault(fault);
    this.log.add('dns-fault', { detail: formatFault(fault) });
  }

  /** The service's A/AAAA answer right now, sorted; [] for NXDOMAIN/NODATA. */
  async resolve(): Promise<string[]> {
    const resolver = new Resolver({ timeout: LOCAL_CLUSTER_DEFAULTS.resolverTimeoutMs, tries: 1 });
    resolver.setServers([this.dnsServer]);
    try {
      return (await resolver.resolve4(this.fqdn)).sort();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTFOUND' || code === 'ENODATA') return [];
      throw error;
    }
  }

  /** Kills every process, stops DNS, removes temp dirs. Idempotent; safe after a failed start. */
  stop(): Promise<void> {
    if (!this.stopping) {
      this.stopping = (async () => {
        for (const pod of this.podList) pod.process.signal('SIGKILL');
        await Promise.all(this.podList.map((p) => p.exited));
        await this.publishChain;
        await this.dnsBackend?.close();
        this.log.add('cluster-stopped');
      })();
    }
    return this.stopping;
  }

  private assertRunning(): void {
    if (this.stopping) throw new Error('cluster is stopped');
    if (!this.dnsBackend) throw new Error('cluster not started');
  }

  private find(ref: PodRef): ClusterPod {
    const name = typeof ref === 'string' ? ref : ref.name;
    const pod = this.podList.find((p) => p.name === name);
    if (!pod) throw new Error(`no pod ${name} in this cluster`);
    return pod;
  }

  /** Publishes the wanted set, serialized: each run reads the state current when it runs. */
  private publish(): Promise<void> {
    const run = this.publishChain.then(async () => {
      if (this.stopping) return;
      const members = this.podList.filter((p) => p.wanted);
      const ips = members.map((p) => p.ip);
      const key = ips.join(' ');
      if (key === this.lastPublished) return;
      await this.dns.publish(
        serviceRecords({ fqdn: this.fqdn, srvName: this.srvName, port: this.port }, ips, this.srv),
      );
      this.lastPublished = key;
      this.log.add('dns-publish', { ips });
      for (const pod of this.podList) {
        const inDns = members.includes(pod);
        if (inDns !== pod.inDns) this.log.add(inDns ? 'pod-published' : 'pod-unpublished', { pod: pod.name });
        pod.inDns = inDns;
      }
    });
    this.publishChain = run.catch((error: unknown) => {
      this.log.add('dns-error', { detail: error instanceof Error ? error.message : String(error) });
    });
    return run;
  }

  /** SRV by default only where it is free: dnsmasq must restart (refusing queries briefly) to change it. */
  private get srv(): boolean {
    return this.options.srv ?? (LOCAL_CLUSTER_DEFAULTS.srv && this.dnsKind === 'inprocess');
  }
}
