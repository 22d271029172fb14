import { Histogram } from './histogram.js';

/** One endpoint as a scrape sees it. */
export interface EndpointView {
  readonly endpoint: string;
  readonly state: 'ready' | 'connecting' | 'idle' | 'failed';
  readonly ejected: boolean;
  readonly health: 'unknown' | 'serving' | 'not_serving';
  readonly draining: boolean;
}

/** One thick policy instance (one channel) as a scrape sees it. */
export interface BalancerView {
  readonly policy: string;
  readonly panic: boolean;
  readonly endpoints: readonly EndpointView[];
}

/** Process-wide: whether calls are also counted per endpoint (a label per pod: opt-in, cardinality). */
export const statsSettings = { perEndpoint: false };

/**
 * Counters of one target (every channel to it adds up), read by the metrics collector at scrape
 * time: the call path only increments numbers. Pure.
 */
export class TargetStats {
  readonly dns = { answers: 0, empty: 0, failures: 0 };
  /** Wall-clock time of the last usable DNS answer (ms), null before the first. */
  lastGoodAnswerAt: number | null = null;
  readonly membership = { added: 0, removed: 0 };
  readonly calls = new Map<number, number>();
  readonly callsByEndpoint = new Map<string, Map<number, number>>();
  readonly ejections = new Map<string, number>();
  retries = 0;
  retriesRefused = 0;
  readonly latency = new Histogram();
  readonly latencyByEndpoint = new Map<string, Histogram>();
  private readonly balancers = new Set<() => BalancerView>();
  private viewsNow: readonly BalancerView[] | null = null;

  constructor(readonly target: string) {}

  /** A call (one attempt) ended with `code` after `seconds` from its pick. */
  callEnded(endpoint: string, code: number, seconds: number): void {
    this.calls.set(code, (this.calls.get(code) ?? 0) + 1);
    this.latency.observe(seconds);
    if (!statsSettings.perEndpoint) return;
    let byCode = this.callsByEndpoint.get(endpoint);
    if (!byCode) {
      byCode = new Map();
      this.callsByEndpoint.set(endpoint, byCode);
    }
    byCode.set(code, (byCode.get(code) ?? 0) + 1);
    let histogram = this.latencyByEndpoint.get(endpoint);
    if (!histogram) {
      histogram = new Histogram();
      this.latencyByEndpoint.set(endpoint, histogram);
    }
    histogram.observe(seconds);
  }

  ejected(reason: string): void {
    this.ejections.set(reason, (this.ejections.get(reason) ?? 0) + 1);
  }

  /** An endpoint is gone for good: its own series go with it. */
  endpointRetired(endpoint: string): void {
    this.callsByEndpoint.delete(endpoint);
    this.latencyByEndpoint.delete(endpoint);
  }

  /** A policy instance reports its endpoints at scrape time; returns the way to stop. */
  addBalancer(view: () => BalancerView): () => void {
    this.balancers.add(view);
    this.viewsNow = null;
    return () => {
      this.balancers.delete(view);
      this.viewsNow = null;
    };
  }

  /**
   * The policies' endpoint views, built once per event-loop turn: a scrape reads them for every
   * gauge (states, ejected, unhealthy, draining, panic), and at 1000 endpoints each build is 1000
   * objects.
   */
  views(): readonly BalancerView[] {
    if (this.viewsNow === null) {
      this.viewsNow = [...this.balancers].map((view) => view());
      setImmediate(() => {
        this.viewsNow = null;
      }).unref();
    }
    return this.viewsNow;
  }
}

const registry = new Map<string, { stats: TargetStats; holders: number }>();

/** The stats of `target`, shared by every resolver and policy of channels to it; release when done. */
export function acquireStats(target: string): TargetStats {
  let entry = registry.get(target);
  if (!entry) {
    entry = { stats: new TargetStats(target), holders: 0 };
    registry.set(target, entry);
  }
  entry.holders += 1;
  return entry.stats;
}

export function releaseStats(target: string): void {
  const entry = registry.get(target);
  if (!entry) return;
  entry.holders -= 1;
  if (entry.holders <= 0) registry.delete(target);
}

/** Every target with a live channel. */
export function allStats(): TargetStats[] {
  return [...registry.values()].map((e) => e.stats);
}
