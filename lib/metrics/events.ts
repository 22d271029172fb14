import { EventEmitter } from 'node:events';

/**
 * What happens to a channel's endpoints and DNS, as typed events: log them your way, alert on
 * them. Every event names the channel's target as written (`dns-poll:///echo:50051`); endpoints are
 * "ip:port". Emitted once per change, never per call.
 */
export interface ThickEventMap {
  /** A new endpoint in DNS; it is being connected. */
  endpoint_added: { target: string; endpoint: string };
  /** An endpoint left DNS: it gets no new call, its calls in flight finish (drain). */
  endpoint_removed: { target: string; endpoint: string };
  /** Passive ejection: no calls for `durationMs`, then one trial call (probation). */
  endpoint_ejected: {
    target: string;
    endpoint: string;
    /** Why: a run of failures, a failure rate over the interval, or a failed probation trial. */
    reason: 'consecutive_failures' | 'failure_percentage' | 'probation_failed';
    durationMs: number;
    /** Ejections in a row, which multiply the ejection time. */
    ejections: number;
  };
  endpoint_probation: { target: string; endpoint: string };
  endpoint_restored: { target: string; endpoint: string };
  /** The active health check (grpc.health.v1) changed its answer. */
  endpoint_health: { target: string; endpoint: string; serving: boolean };
  /** DNS started failing; the last good endpoints are kept meanwhile. */
  dns_failure: { target: string; name: string; error: string; keptEndpoints: number };
  dns_recovered: { target: string; name: string; failedQueries: number; downForMs: number };
  /** Panic mode (too few usable endpoints: calls spread over all of them) began or ended. */
  panic: { target: string; on: boolean; usable: number; connected: number };
}

export type ThickEventName = keyof ThickEventMap;

/** A typed EventEmitter; `on` returns a function that removes the listener. */
export class ThickEvents {
  private readonly emitter = new EventEmitter();

  constructor() {
    // Any number of subscribers (metrics, logs, tests) is normal here.
    this.emitter.setMaxListeners(0);
  }

  on<K extends ThickEventName>(name: K, listener: (event: ThickEventMap[K]) => void): () => void {
    this.emitter.on(name, listener);
    return () => this.emitter.off(name, listener);
  }

  once<K extends ThickEventName>(name: K, listener: (event: ThickEventMap[K]) => void): () => void {
    this.emitter.once(name, listener);
    return () => this.emitter.off(name, listener);
  }

  /** Listeners run synchronously; one that throws is reported, and never breaks the SDK. */
  emit<K extends ThickEventName>(name: K, event: ThickEventMap[K]): void {
    if (this.emitter.listenerCount(name) === 0) return;
    for (const listener of this.emitter.listeners(name)) {
      try {
        (listener as (e: ThickEventMap[K]) => void)(event);
      } catch (error) {
        process.emitWarning(`grpc-thick-client: a "${name}" event listener threw: ${String(error)}`);
      }
    }
  }
}

/** The process's events, from every channel that uses the SDK. */
export const thickEvents = new ThickEvents();
