import type { Clock, RandomSource } from '../common/clock.js';
import type { Logger } from '../common/logger.js';
import type { HealthSettings } from '../config/health-config.js';
import { CANCELLED_CODE, DEADLINE_EXCEEDED_CODE } from '../config/status-codes.js';
import { type EjectionEvent, EjectionTracker } from './ejection.js';
import { inPanic } from './panic.js';
import { accepts, slowStartWeight } from './slow-start.js';
import { StallDetector, type StallTicket } from './stall.js';

/** What the active health check says: nothing yet, SERVING, or NOT_SERVING/SERVICE_UNKNOWN. */
export type HealthStatus = 'pending' | 'serving' | 'not_serving';

/** What the gate needs back when a call ends. */
export interface CallTicket {
  readonly stall: StallTicket | null;
  /** The call was the one trial call of a probation. */
  readonly trial: boolean;
}

interface EndpointHealth {
  readonly stall: StallDetector | null;
  health: HealthStatus;
  /** Slow start began here; null when it does not apply. */
  warmingSince: number | null;
}

/** What the gate tells its policy, for metrics and events (the log lines are its own). */
export type GateEvent =
  | Extract<EjectionEvent, { kind: 'ejected' | 'probation' | 'restored' }>
  | { readonly kind: 'health'; readonly key: string; readonly serving: boolean }
  | { readonly kind: 'panic'; readonly on: boolean; readonly usable: number; readonly connected: number };

/** What the picker of a thick policy is built from. */
export interface PickSet<T> {
  readonly candidates: readonly T[];
  readonly panic: boolean;
}

/**
 * Everything that decides whether a connected endpoint should get a call, shared by every thick
 * policy: passive ejection and probation, active health status, stall detection, slow start and
 * panic mode. The policy reports calls and connections; the gate says when the pick set must be
 * rebuilt. Pure: no grpc-js, time and randomness injected.
 */
export class HealthGate {
  private readonly endpoints = new Map<string, EndpointHealth>();
  private readonly ejection: EjectionTracker;
  private panic = false;

  constructor(
    private settings: HealthSettings,
    private readonly clock: Clock,
    private readonly random: RandomSource,
    private readonly logger: Logger,
    /** The pick set changed (an ejection, a restore, a health change). */
    private readonly onChange: () => void,
    private readonly onEvent: (event: GateEvent) => void = () => {},
  ) {
    this.ejection = new EjectionTracker(settings.ejection, clock, random, (event) => this.onEjection(event));
  }

  get inPanic(): boolean {
    return this.panic;
  }

  update(settings: HealthSettings): void {
    this.settings = settings;
    this.ejection.update(settings.ejection);
  }

  /** `warm`: slow start applies (a pod added to a running set, not the first set resolved). */
  add(key: string, warm: boolean): void {
    if (this.endpoints.has(key)) return;
    const stall = this.settings.stall ? new StallDetector(this.settings.stall) : null;
    this.endpoints.set(key, {
      stall,
      health: this.settings.healthCheck ? 'pending' : 'serving',
      warmingSince: null,
    });
    this.ejection.add(key);
    if (warm) this.startWarming(key);
  }

  /** The endpoint is gone for good (retired after its drain): forget it. */
  remove(key: string): void {
    this.endpoints.delete(key);
    this.ejection.remove(key);
  }

  destroy(): void {
    this.endpoints.clear();
    this.ejection.destroy();
  }

  /** Slow start (re)starts now for this endpoint, if enabled. */
  startWarming(key: string): void {
    const e = this.endpoints.get(key);
    if (e && this.settings.slowStart) e.warmingSince = this.clock.now();
  }

  setHealth(key: string, health: HealthStatus): void {
    const e = this.endpoints.get(key);
    if (!e || e.health === health) return;
    const was = e.health;
    e.health = health;
    if (health !== 'pending') {
      this.logger.info(`${key} health check: ${health === 'serving' ? 'SERVING' : 'NOT_SERVING'}`);
      this.onEvent({ kind: 'health', key, serving: health === 'serving' });
    }
    if (health === 'serving' && was === 'not_serving') this.startWarming(key);
    this.onChange();
  }

  /** For metrics: whether `key` is ejected now, and what its health check says. */
  status(key: string): { readonly ejected: boolean; readonly health: HealthStatus } {
    return { ejected: this.ejection.isEjected(key), health: this.endpoints.get(key)?.health ?? 'pending' };
  }

  /** A new connection is up: what the old one was doing says nothing about it. */
  connected(key: string): void {
    this.endpoints.get(key)?.stall?.reset();
    this.ejection.setReachable(key, true);
  }

  /** A connection attempt failed: counts as a failure toward ejection, and the endpoint is unreachable. */
  connectionFailed(key: string): void {
    this.ejection.setReachable(key, false);
    this.ejection.record(key, true);
  }

  /**
   * The endpoints to pick from, out of the READY ones: those not ejected and not unhealthy (an
   * endpoint whose health check has not answered yet is left out of both counts); or, in panic
   * (too few usable), all of them.
   */
  pickSet<T>(ready: readonly T[], keyOf: (item: T) => string): PickSet<T> {
    const connected = ready.filter((item) => this.endpoints.get(keyOf(item))?.health !== 'pending');
    const usable = connected.filter((item) => {
      const key = keyOf(item);
      return !this.ejection.isEjected(key) && this.endpoints.get(key)?.health !== 'not_serving';
    });
    const panic = inPanic(usable.length, connected.length, this.settings.panicThresholdPercent);
    if (panic !== this.panic) {
      this.panic = panic;
      if (panic) {
        this.logger.warn(
          `panic mode: only ${usable.length} of ${connected.length} connected endpoint(s) usable ` +
            `(< ${this.settings.panicThresholdPercent} %); spreading calls over all of them`,
        );
      } else {
        this.logger.info(`panic mode over: ${usable.length} of ${connected.length} endpoint(s) usable`);
      }
      this.onEvent({ kind: 'panic', on: panic, usable: usable.length, connected: connected.length });
    }
    return { candidates: panic ? connected : usable, panic };
  }

  /**
   * At pick time: not holding back a probation trial already out (unless in panic), not stalled,
   * and let through by slow start. `peerLatencyMs` comes from the picker (peerLatency()).
   */
  admits(key: string, now: number, peerLatencyMs: number | undefined, panic: boolean): boolean {
    const e = this.endpoints.get(key);
    if (!e) return true;
    if (!panic && !this.ejection.isPickable(key)) return false;
    if (e.stall?.isStalled(now, peerLatencyMs)) return false;
    if (e.warmingSince !== null && this.settings.slowStart) {
      const weight = slowStartWeight(now - e.warmingSince, this.settings.slowStart);
      if (weight >= 1) e.warmingSince = null;
      else return accepts(weight, this.random);
    }
    return true;
  }

  /** A call started on the endpoint at `now`; hand the ticket back to ended(). */
  started(key: string, now: number): CallTicket {
    const trial = this.ejection.startCall(key);
    return { stall: this.endpoints.get(key)?.stall?.callStarted(now) ?? null, trial };
  }

  /** A call ended with `code` at `now`. */
  ended(key: string, ticket: CallTicket, now: number, code: number): void {
    const e = this.endpoints.get(key);
    if (!e) return;
    // A deadline or a cancellation is the client giving up: no proof that the endpoint is alive.
    if (ticket.stall)
      e.stall?.callEnded(ticket.stall, now, code !== CANCELLED_CODE && code !== DEADLINE_EXCEEDED_CODE);
    if (code === CANCELLED_CODE) this.ejection.abandoned(key, ticket.trial);
    else this.ejection.record(key, this.settings.failureCodes.has(code), ticket.trial);
  }

  /** Median latency estimate over endpoints that have one: the "usual" latency for newcomers. */
  peerLatency(): number | undefined {
    const samples: number[] = [];
    for (const e of this.endpoints.values()) {
      const l = e.stall?.latency();
      if (l !== undefined) samples.push(l);
    }
    if (samples.length === 0) return undefined;
    samples.sort((a, b) => a - b);
    return samples[samples.length >> 1];
  }

  private onEjection(event: EjectionEvent): void {
    const reason = 'reason' in event ? event.reason.replaceAll('_', ' ') : '';
    switch (event.kind) {
      case 'ejected':
        this.logger.warn(
          `ejected ${event.key} for ${(event.durationMs / 1000).toFixed(1)}s (${reason}, ejection #${event.ejections})`,
        );
        break;
      case 'ejection_skipped':
        this.logger.info(`not ejecting ${event.key} (${reason}): too many endpoints already out`);
        return;
      case 'probation':
        this.logger.info(`${event.key} on probation: one trial call`);
        break;
      case 'restored':
        this.logger.info(`${event.key} restored after a successful trial call`);
        this.startWarming(event.key);
        break;
    }
    this.onEvent(event);
    this.onChange();
  }
}
