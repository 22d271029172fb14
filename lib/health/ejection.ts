import type { Clock, RandomSource, TimerHandle } from '../common/clock.js';
import { EJECTION_DEFAULTS } from '../config/defaults.js';

export interface EjectionSettings {
  /** Eject after this many failures in a row; 0 turns the rule off. */
  readonly consecutiveFailures: number;
  readonly intervalMs: number;
  /** Failure-percentage rule; null turns it off. */
  readonly failurePercent: { readonly threshold: number; readonly minimumRequests: number } | null;
  readonly baseEjectionMs: number;
  readonly maxEjectionMs: number;
  readonly ejectionJitter: number;
  readonly maxEjectedPercent: number;
}

export const DEFAULT_EJECTION_SETTINGS: EjectionSettings = Object.freeze({
  consecutiveFailures: EJECTION_DEFAULTS.consecutiveFailures,
  intervalMs: EJECTION_DEFAULTS.intervalMs,
  failurePercent: Object.freeze({
    threshold: EJECTION_DEFAULTS.failurePercentThreshold,
    minimumRequests: EJECTION_DEFAULTS.failurePercentMinimumRequests,
  }),
  baseEjectionMs: EJECTION_DEFAULTS.baseEjectionMs,
  maxEjectionMs: EJECTION_DEFAULTS.maxEjectionMs,
  ejectionJitter: EJECTION_DEFAULTS.ejectionJitter,
  maxEjectedPercent: EJECTION_DEFAULTS.maxEjectedPercent,
});

export type EjectionReason = 'consecutive_failures' | 'failure_percentage' | 'probation_failed';

export type EjectionEvent =
  | {
      readonly kind: 'ejected';
      readonly key: string;
      readonly reason: EjectionReason;
      readonly durationMs: number;
      readonly ejections: number;
    }
  /** The cap on ejected endpoints prevented an ejection the rules asked for. */
  | { readonly kind: 'ejection_skipped'; readonly key: string; readonly reason: EjectionReason }
  /** Ejection time over: the endpoint gets one trial call. */
  | { readonly kind: 'probation'; readonly key: string }
  /** The trial call succeeded. */
  | { readonly kind: 'restored'; readonly key: string };

type State = 'active' | 'ejected' | 'probation';

interface Endpoint {
  state: State;
  consecutive: number;
  /** Ejections without a full recovery in between: multiplies the ejection time; decays by one per quiet interval. */
  ejections: number;
  timer: TimerHandle | null;
  /** When the trial call of a probation was sent; null when none is out. */
  trialAt: number | null;
  successes: number;
  failures: number;
  /** False while its connection fails: then it is no serving capacity, and takes no slot under the cap. */
  reachable: boolean;
}

/**
 * Passive ejection for one policy instance: consecutive failures, failure percentage per interval,
 * growing ejection times with jitter, probation (one trial call; only a success restores), and a cap
 * on how many endpoints may be out at once. Pure: time and randomness are injected, no sockets.
 */
export class EjectionTracker {
  private readonly endpoints = new Map<string, Endpoint>();
  private interval: TimerHandle | null = null;

  constructor(
    private settings: EjectionSettings,
    private readonly clock: Clock,
    private readonly random: RandomSource,
    private readonly onEvent: (event: EjectionEvent) => void,
  ) {}

  update(settings: EjectionSettings): void {
    this.settings = settings;
  }

  add(key: string): void {
    if (this.endpoints.has(key)) return;
    this.endpoints.set(key, {
      state: 'active',
      consecutive: 0,
      ejections: 0,
      timer: null,
      trialAt: null,
      successes: 0,
      failures: 0,
      reachable: true,
    });
    this.interval ??= this.clock.setTimer(() => this.onInterval(), this.settings.intervalMs);
  }

  remove(key: string): void {
    this.endpoints.get(key)?.timer?.cancel();
    this.endpoints.delete(key);
    if (this.endpoints.size === 0) this.stopInterval();
  }

  destroy(): void {
    for (const key of [...this.endpoints.keys()]) this.remove(key);
  }

  /** May take a new call now: active, or on probation with no trial call out. */
  isPickable(key: string): boolean {
    const e = this.endpoints.get(key);
    if (!e) return false;
    if (e.state === 'active') return true;
    // A trial call that never reported back must not block the endpoint for ever.
    return (
      e.state === 'probation' &&
      (e.trialAt === null || this.clock.now() - e.trialAt > this.settings.intervalMs)
    );
  }

  /** Serving its ejection time (not yet on probation). */
  isEjected(key: string): boolean {
    return this.endpoints.get(key)?.state === 'ejected';
  }

  /** A call started; returns true when it is the probation's one trial call. */
  startCall(key: string): boolean {
    const e = this.endpoints.get(key);
    if (e?.state !== 'probation' || !this.isPickable(key)) return false;
    e.trialAt = this.clock.now();
    return true;
  }

  /** A call ended without a verdict (CANCELLED): the trial, if it was one, may be tried again. */
  abandoned(key: string, trial: boolean): void {
    const e = this.endpoints.get(key);
    if (trial && e?.state === 'probation') e.trialAt = null;
  }

  /**
   * A call ended (CANCELLED already left out). On probation only the trial call decides; calls
   * sent before the ejection say nothing about the endpoint now.
   */
  record(key: string, failed: boolean, trial = false): void {
    const e = this.endpoints.get(key);
    if (!e) return;
    if (failed) e.failures++;
    else e.successes++;
    if (e.state === 'probation') {
      if (!trial) return;
      e.trialAt = null;
      if (failed) this.eject(key, e, 'probation_failed', true);
      else {
        e.state = 'active';
        e.consecutive = 0;
        this.onEvent({ kind: 'restored', key });
      }
      return;
    }
    if (e.state === 'ejected') return;
    if (!failed) {
      e.consecutive = 0;
      return;
    }
    e.consecutive++;
    const n = this.settings.consecutiveFailures;
    if (n > 0 && e.consecutive >= n) this.eject(key, e, 'consecutive_failures', false);
  }

  /**
   * Whether the endpoint's connection works. An ejected endpoint that cannot connect (a crashed pod
   * still in DNS) would otherwise hold a slot under the cap and keep a failing, connected one in use.
   */
  setReachable(key: string, reachable: boolean): void {
    const e = this.endpoints.get(key);
    if (e) e.reachable = reachable;
  }

  /** How many endpoints may be out (ejected or on probation) at once. */
  maxEjected(): number {
    const n = this.endpoints.size;
    if (n < 2 || this.settings.maxEjectedPercent <= 0) return 0;
    // Always one (A50, Envoy's always_eject_one_host): a percentage alone never ejects from a small set.
    return Math.max(1, Math.floor((n * this.settings.maxEjectedPercent) / 100));
  }

  private outCount(): number {
    let out = 0;
    for (const e of this.endpoints.values()) if (e.state !== 'active' && e.reachable) out++;
    return out;
  }

  private eject(key: string, e: Endpoint, reason: EjectionReason, alreadyOut: boolean): void {
    // A failed trial keeps its place under the cap; a new ejection must fit under it.
    if (!alreadyOut && this.outCount() >= this.maxEjected()) {
      e.consecutive = 0;
      this.onEvent({ kind: 'ejection_skipped', key, reason });
      return;
    }
    e.ejections++;
    e.state = 'ejected';
    e.consecutive = 0;
    e.trialAt = null;
    const { baseEjectionMs, maxEjectionMs, ejectionJitter } = this.settings;
    const capped = Math.min(baseEjectionMs * e.ejections, Math.max(baseEjectionMs, maxEjectionMs));
    const durationMs = Math.round(capped * (1 + ejectionJitter * this.random()));
    e.timer?.cancel();
    e.timer = this.clock.setTimer(() => {
      e.timer = null;
      if (this.endpoints.get(key) !== e || e.state !== 'ejected') return;
      e.state = 'probation';
      this.onEvent({ kind: 'probation', key });
    }, durationMs);
    this.onEvent({ kind: 'ejected', key, reason, durationMs, ejections: e.ejections });
  }

  private onInterval(): void {
    this.interval = this.clock.setTimer(() => this.onInterval(), this.settings.intervalMs);
    const rule = this.settings.failurePercent;
    for (const [key, e] of this.endpoints) {
      const total = e.successes + e.failures;
      const failing =
        rule !== null && total >= rule.minimumRequests && (e.failures * 100) / total >= rule.threshold;
      if (e.state === 'active') {
        if (failing) this.eject(key, e, 'failure_percentage', false);
        else if (e.ejections > 0) e.ejections--; // a quiet interval: the next ejection is shorter (A50)
      }
      e.successes = 0;
      e.failures = 0;
    }
  }

  private stopInterval(): void {
    this.interval?.cancel();
    this.interval = null;
  }
}
