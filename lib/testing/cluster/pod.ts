// One pod of the bed as the harness sees it: its process, lifecycle state and DNS membership.
import { type PodExit, PodProcess } from '../pod/pod-process.js';
import { hostPort, type PodConfig, type PodMode, type SigtermBehaviour } from '../pod/protocol.js';

/**
 * starting: process up, not yet ready (readiness probe). ready: passed the probe; in DNS unless
 * deleted. terminating: deletion started (out of DNS, preStop / SIGTERM / SIGKILL). gone: exited.
 */
export type PodState = 'starting' | 'ready' | 'terminating' | 'gone';

export interface LocalPod {
  /** "<service>-<n>", n counting from 1 within the bed, never reused. */
  readonly name: string;
  readonly index: number;
  readonly ip: string;
  readonly port: number;
  /** "ip:port" */
  readonly address: string;
  readonly version: string;
  readonly pid: number | undefined;
  readonly state: PodState;
  /** Whether the last completed DNS publish contained this pod. */
  readonly inDns: boolean;
  /** SIGSTOPped by hang() and not resumed. */
  readonly hung: boolean;
  /** SIGKILLed by crash(). */
  readonly crashed: boolean;
  readonly createdAt: number;
  readonly readyAt: number | undefined;
  readonly deletedAt: number | undefined;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<PodExit>;
}

export interface AddPodOptions {
  /** Default: the cluster's current version ('v1' unless a rolling update changed it). */
  readonly version?: string;
  readonly mode?: PodMode;
  /** Health status once started; default true. A pod that never serves never gets ready. */
  readonly serving?: boolean;
  /** Default 'graceful'. */
  readonly onSigterm?: SigtermBehaviour;
  /**
   * With 'graceful': serve this long after SIGTERM before GOAWAY, as gracefulShutdown() in
   * grpc-thick-client/server does. Default 0: tryShutdown at once, like a server without the helper.
   */
  readonly drainDelayMs?: number;
  /** Health is NOT_SERVING for this long after start; default 0. */
  readonly startupDelayMs?: number;
  /** Passed to the pod's grpc.Server (none by default, e.g. no grpc.max_connection_age_ms). */
  readonly serverOptions?: Readonly<Record<string, string | number>>;
}

export class ClusterPod implements LocalPod {
  readonly name: string;
  readonly index: number;
  readonly ip: string;
  readonly port: number;
  readonly address: string;
  readonly version: string;
  readonly process: PodProcess;
  readonly createdAt = Date.now();
  state: PodState = 'starting';
  /** The DNS membership the next publish should give this pod. */
  wanted = false;
  inDns = false;
  hung = false;
  crashed = false;
  readyAt: number | undefined;
  deletedAt: number | undefined;
  /** Set once deletion starts: resolves when the pod is out of DNS. */
  removal: Promise<void> | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(config: PodConfig, index: number, log?: (line: string) => void) {
    this.name = config.name;
    this.index = index;
    this.ip = config.ip;
    this.port = config.port;
    this.address = hostPort(config.ip, config.port);
    this.version = config.version;
    this.process = new PodProcess(config, log);
    void this.process.exited.then(() => {
      this.state = 'gone';
      for (const timer of this.timers) clearTimeout(timer);
      this.timers.clear();
    });
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get exited(): Promise<PodExit> {
    return this.process.exited;
  }

  get alive(): boolean {
    return this.process.alive;
  }

  /** Runs `action` after `ms` unless the pod exits first. */
  later(ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, ms);
    this.timers.add(timer);
  }

  /** A plain snapshot for logs and assertions (no process handle). */
  toJSON(): Omit<LocalPod, 'exited'> {
    const { name, index, ip, port, address, version, pid, state, inDns, hung, crashed } = this;
    const { createdAt, readyAt, deletedAt } = this;
    return {
      name,
      index,
      ip,
      port,
      address,
      version,
      pid,
      state,
      inDns,
      hung,
      crashed,
      createdAt,
      readyAt,
      deletedAt,
    };
  }
}
