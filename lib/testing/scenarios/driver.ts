// What a cluster must offer for the shared scenarios to run on it: the local bed and a real
// Kubernetes cluster (kind) each implement this, so a scenario's steps and assertions exist once.
import { PRESTOP_SIZING_DEFAULTS, RESOLVER_DEFAULTS } from '../../config/defaults.js';
import type { LoadResults } from '../load.js';

/** The clocks a scenario's bounds are derived from. */
export interface ScenarioTiming {
  /** The client's DNS poll interval and jitter. */
  readonly pollIntervalMs: number;
  readonly pollJitter: number;
  /**
   * How long the cluster's DNS may keep answering with a set that already changed: 0 for a server
   * without a cache (the bed), the TTL behind CoreDNS's cache plugin in Kubernetes.
   */
  readonly dnsStalenessMs: number;
  /** How late the driver may notice a change it reports (polling an API server), 0 when it makes it. */
  readonly observationSlackMs: number;
}

/** Only what survives being printed by a client in another pod: no per-call records. */
export type LoadSummary = Pick<
  LoadResults,
  'total' | 'failures' | 'committedFailures' | 'failuresByCode' | 'perPod'
>;

export interface ScenarioLoadOptions {
  readonly ratePerSecond: number;
  readonly deadlineMs: number;
  /** Stop sending after this many calls; `done` resolves when they finished. */
  readonly maxCalls?: number;
  /** Wait this long after the first successful call before the load starts (connections settle). */
  readonly settleMs?: number;
  /** 'stock': grpc-js's own dns: resolver and round_robin, for comparison. Default 'thick'. */
  readonly client?: 'thick' | 'stock';
}

export interface ScenarioLoad {
  /** Stops sending, waits for the calls in flight and returns the results. */
  stop(): Promise<LoadSummary>;
  /** With maxCalls: resolves once every call finished. */
  readonly done: Promise<LoadSummary>;
}

/** A pod and when it entered or left the Service's DNS answer (ms since the epoch). */
export interface PodEvent {
  readonly name: string;
  readonly at: number;
}

export interface ScenarioDriver {
  /** Names the cluster in messages: "local bed (dnsmasq)", "kind". */
  readonly label: string;
  readonly timing: ScenarioTiming;
  /** Whether startLoad accepts client 'stock'. */
  readonly supportsStock: boolean;
  /** Pods that are ready and not being deleted. */
  readyPods(): Promise<string[]>;
  /** Resolves once the client answered one call, so the load measures steady state. */
  startLoad(options: ScenarioLoadOptions): Promise<ScenarioLoad>;
  /** Adds pods until `replicas`; resolves with each new pod and when it was in DNS. */
  scaleUp(replicas: number): Promise<PodEvent[]>;
  /** Removes pods (with preStop) down to `replicas`; resolves once they exited, with when each left DNS. */
  scaleDown(replicas: number): Promise<PodEvent[]>;
  /** Replaces every pod (maxSurge 1, maxUnavailable 0); resolves once the old pods exited. */
  rollingUpdate(options: { readonly preStop: boolean }): Promise<void>;
  /** Deletes one pod (with preStop) as an eviction does; its replacement starts at once. */
  deletePod(name: string): Promise<{ readonly removed: PodEvent; readonly replacement: PodEvent }>;
  /** Restarts the cluster DNS server(s); resolves once DNS answers again. */
  restartDns(): Promise<void>;
}

/** The client timing of the SDK's defaults against CoreDNS with the docs' TTL. */
export const DEFAULT_CLIENT_TIMING: ScenarioTiming = Object.freeze({
  pollIntervalMs: RESOLVER_DEFAULTS.pollIntervalMs,
  pollJitter: RESOLVER_DEFAULTS.pollJitter,
  dnsStalenessMs: PRESTOP_SIZING_DEFAULTS.dnsTtlMs,
  observationSlackMs: 0,
});

/** The longest a client may take to act on a DNS change: one poll, plus a stale answer, plus noticing. */
export function dnsChangeBoundMs(timing: ScenarioTiming): number {
  return timing.pollIntervalMs * (1 + timing.pollJitter) + timing.dnsStalenessMs + timing.observationSlackMs;
}

export interface PreStopSizing {
  readonly pollIntervalMs: number;
  readonly pollJitter: number;
  readonly dnsTtlMs: number;
  readonly marginMs: number;
}

/** docs/kubernetes.md: preStop ≥ poll interval × (1 + jitter) + DNS TTL + margin. */
export function minimumPreStopMs(sizing: Partial<PreStopSizing> = {}): number {
  const s = {
    pollIntervalMs: RESOLVER_DEFAULTS.pollIntervalMs,
    pollJitter: RESOLVER_DEFAULTS.pollJitter,
    ...PRESTOP_SIZING_DEFAULTS,
    ...sizing,
  };
  return s.pollIntervalMs * (1 + s.pollJitter) + s.dnsTtlMs + s.marginMs;
}
