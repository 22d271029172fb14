import { type Clock, systemClock } from '../common/clock.js';
import { OPTION_PREFIX } from '../config/defaults.js';
import { ThickConfigError } from '../config/errors.js';
import type { ThickSettings } from '../config/policy.js';
import { HealthGate } from '../health/gate.js';
import { Membership } from '../membership/membership.js';
import { RetryBudget } from '../retry/budget.js';
import {
  type ChannelControlHelper,
  type ChannelOptions,
  ConnectivityState,
  type Endpoint,
  type LoadBalancer,
  type Picker,
  queuePicker,
  type StatusOr,
  type TypedLoadBalancingConfig,
  unavailablePicker,
} from './adapter.js';
import { EndpointChild, endpointKey } from './endpoint-child.js';
import { log, warnOnce } from './log.js';
import { balancerView, ChannelObserver } from './observer.js';
import { TARGET_ATTRIBUTE } from './resolver.js';
import type { PickContext, ThickMember } from './thick-picker.js';

/** A thick policy's parsed config: its settings, validated and frozen. */
export interface ThickConfig<S extends ThickSettings> extends TypedLoadBalancingConfig {
  readonly settings: S;
}

/**
 * What the config classes of the thick policies share: the settings parsed once, and the JSON as
 * given (grpc-js compares configs by it). A policy adds its name and `static createFromJson`.
 */
export abstract class ThickPolicyConfig<S extends ThickSettings> implements ThickConfig<S> {
  constructor(
    readonly settings: S,
    private readonly json: object,
  ) {}

  abstract getLoadBalancerName(): string;

  toJsonObject(): object {
    return { [this.getLoadBalancerName()]: this.json };
  }
}

/**
 * A thick policy's config as grpc-js asks for it (`createFromJson`). On a dns-poll: target the
 * resolver checked it first and the channel's constructor threw; on any other target (ipv4:, dns:)
 * nothing of ours ran before, and grpc-js drops an entry whose parse throws without a word,
 * falling back to pick_first. So the problem is logged, once, before grpc-js drops it.
 */
export function parsedForGrpcJs<S>(name: string, json: unknown, parse: (json: unknown) => S): S {
  try {
    return parse(json);
  } catch (error) {
    const detail = error instanceof ThickConfigError ? error.detail : String(error);
    warnOnce(
      `${name} config rejected (${detail}): grpc-js skips this loadBalancingConfig entry and, with no ` +
        'other, falls back to pick_first (every call to one pod)',
    );
    throw error;
  }
}

/** A config's JSON as given, copied so that later changes by the caller do not reach it. */
export function ownJson(json: unknown): object {
  return structuredClone(json ?? {}) as object;
}

/**
 * What every thick policy is: one LeafLoadBalancer (connection) per endpoint, kept across updates
 * (a diff, not a rebuild), every endpoint kept connected, removed endpoints drained, re-resolution
 * asked for whenever an endpoint leaves READY, and the health gate and retry budget in front of
 * the picker. A policy adds how it picks (`makePicker`) and any per-endpoint state of its own.
 */
export abstract class ThickBalancer<S extends ThickSettings> implements LoadBalancer {
  protected settings: S;
  private readonly membership: Membership<Endpoint, EndpointChild>;
  /** The leaves' part of the channel options (see leafOptions). */
  private options: ChannelOptions = {};
  private note = '';
  private emptyMessage: string | null = null;
  private paused = false;
  private lastError: string | null = null;
  private readonly gate: HealthGate;
  /** Per channel (one policy instance per channel); replaced when its settings change. */
  private budget: RetryBudget | null = null;
  protected readonly clock: Clock;
  /** Once endpoints are known, new ones get slow start (the first set resolved does not). */
  private running = false;
  /** Metrics and events of this channel. */
  protected readonly observer: ChannelObserver;
  /** A picker with READY endpoints is out: more capacity can wait a turn of the event loop. */
  private publishedReady = false;
  /** Endpoints that became READY, folded into one picker rebuild (a connect storm is O(n), not O(n²)). */
  private deferredUpdate: NodeJS.Immediate | null = null;

  protected abstract readonly name: string;
  protected abstract isOwnConfig(config: TypedLoadBalancingConfig): config is ThickConfig<S>;
  protected abstract makePicker(context: PickContext): Picker;
  /** Per-endpoint state of the policy: an endpoint joined, or left for good (drained). */
  protected endpointAdded(_key: string): void {}
  protected endpointRetired(_key: string): void {}
  /** `this.settings` was just replaced by a new config. */
  protected settingsUpdated(): void {}

  constructor(
    private readonly helper: ChannelControlHelper,
    defaults: S,
    clock: Clock = systemClock,
  ) {
    this.settings = defaults;
    this.membership = new Membership<Endpoint, EndpointChild>({
      create: (key, endpoint) =>
        new EndpointChild(
          key,
          endpoint,
          helper,
          this.options,
          this.note,
          (child, state, error, timedOut) => this.onChildState(child, state, error, timedOut),
          this.settings.health.healthCheck,
          this.settings.connectTimeoutMs,
          (child) => {
            if (child.member && !child.member.draining) this.gate.connectionFailed(child.key);
          },
        ),
      drainTimeoutMs: () => this.settings.drainTimeoutMs,
      retired: (key) => {
        this.gate.remove(key);
        this.endpointRetired(key);
        this.observer.endpointRetired(key);
      },
      clock,
      logger: log,
    });
    this.clock = clock;
    this.gate = new HealthGate(
      this.settings.health,
      clock,
      Math.random,
      log,
      () => this.updateAggregate(),
      (event) => this.observer.gateEvent(event),
    );
    this.observer = new ChannelObserver(() =>
      balancerView(
        this.name,
        [...this.membership.active.values(), ...this.membership.draining.values()],
        this.gate,
      ),
    );
  }

  updateAddressList(
    endpoints: StatusOr<Endpoint[]>,
    config: TypedLoadBalancingConfig,
    options: ChannelOptions,
    resolutionNote: string,
  ): boolean {
    if (!this.isOwnConfig(config)) return false;
    this.observer.attach(options);
    if (
      config.settings.retryBudget !== this.settings.retryBudget ||
      (!this.budget && config.settings.retryBudget)
    ) {
      this.budget = config.settings.retryBudget
        ? new RetryBudget(config.settings.retryBudget, this.clock)
        : null;
    }
    this.settings = config.settings;
    this.settingsUpdated();
    this.gate.update(config.settings.health);
    if (!endpoints.ok) {
      // Keep serving the endpoints we have; only a policy with none reports the error.
      if (this.membership.active.size === 0) {
        this.emptyMessage = endpoints.error.details;
        this.updateAggregate();
      }
      return true;
    }
    this.options = leafOptions(options);
    this.note = resolutionNote;
    const next = new Map(endpoints.value.map((e) => [endpointKey(e), e]));
    this.paused = true;
    const diff = this.membership.update(next);
    // Removed endpoints keep their health state while they drain: one that comes back resumes it.
    for (const key of diff.added) {
      const member = this.membership.active.get(key)!;
      this.gate.add(key, this.running);
      this.endpointAdded(key);
      member.child.bind(this.membership, member, this.gate, this.observer);
      member.child.startConnecting();
    }
    if (next.size > 0) this.running = true;
    this.paused = false;
    this.observer.membershipChanged(diff);
    if (diff.added.length + diff.removed.length + diff.restored.length > 0) {
      log.info(
        `${this.name}: ${this.membership.active.size} endpoint(s); added [${diff.added.join(', ')}], ` +
          `removed [${diff.removed.join(', ')}]${diff.restored.length ? `, back [${diff.restored.join(', ')}]` : ''}`,
      );
    }
    this.emptyMessage =
      next.size === 0 ? resolutionNote || `${this.name}: the resolver returned no endpoints` : null;
    this.updateAggregate();
    return true;
  }

  exitIdle(): void {
    for (const member of this.membership.active.values()) {
      if (member.child.state === ConnectivityState.IDLE) member.child.exitIdle();
    }
  }

  resetBackoff(): void {
    // Each leaf's pick_first owns its reconnect back-off; there is none at this level.
  }

  destroy(): void {
    if (this.deferredUpdate) clearImmediate(this.deferredUpdate);
    this.deferredUpdate = null;
    this.membership.destroy();
    this.gate.destroy();
    this.observer.detach();
  }

  getTypeName(): string {
    return this.name;
  }

  private onChildState(
    child: EndpointChild,
    previous: ConnectivityState,
    error: string | null,
    connectTimedOut = false,
  ): void {
    const member = child.member;
    if (!member) return;
    if (error) this.lastError = error;
    const state = child.state;
    if (member.draining) {
      if (state === ConnectivityState.TRANSIENT_FAILURE || state === ConnectivityState.IDLE) {
        this.membership.connectionLost(member);
      }
      return;
    }
    if (state === ConnectivityState.READY && previous !== state) this.gate.connected(member.key);
    // Failed attempts are counted per attempt by the child; a hanging one here, once.
    if (connectTimedOut) this.gate.connectionFailed(member.key);
    // A pod going away (GOAWAY, reset) is usually a membership change: look now, not at the next poll.
    if (previous === ConnectivityState.READY && state !== ConnectivityState.READY) {
      this.helper.requestReresolution();
    }
    if (state === ConnectivityState.READY && this.publishedReady) this.deferUpdate();
    else this.updateAggregate();
    // Every endpoint is kept connected, so a pick never waits for a handshake.
    if (state === ConnectivityState.IDLE) child.exitIdle();
  }

  private deferUpdate(): void {
    if (this.deferredUpdate) return;
    this.deferredUpdate = setImmediate(() => {
      this.deferredUpdate = null;
      this.updateAggregate();
    });
    this.deferredUpdate.unref();
  }

  private updateAggregate(): void {
    if (this.paused) return;
    if (this.deferredUpdate) {
      clearImmediate(this.deferredUpdate);
      this.deferredUpdate = null;
    }
    const ready: ThickMember[] = [];
    let connecting = 0;
    for (const member of this.membership.active.values()) {
      const state = member.child.state;
      if (state === ConnectivityState.READY) ready.push(member);
      // Sticky failure, as grpc's pick_first: an endpoint that failed is not "connecting" again
      // until it succeeds, so calls fail fast instead of waiting for their deadline.
      else if (
        (state === ConnectivityState.CONNECTING || state === ConnectivityState.IDLE) &&
        !member.child.failedSinceReady
      )
        connecting++;
    }
    const total = this.membership.active.size;
    if (ready.length > 0) {
      const { candidates, panic } = this.gate.pickSet(ready, (m) => m.key);
      const picker = this.makePicker({
        candidates: candidates.length > 0 ? candidates : ready,
        gate: this.gate,
        peerLatencyMs: this.gate.peerLatency(),
        panic,
        budget: this.budget,
        observer: this.observer,
      });
      this.publish(ConnectivityState.READY, picker, null);
    } else if (total === 0) {
      if (this.emptyMessage === null) return; // nothing resolved yet: stay as we are
      this.publish(
        ConnectivityState.TRANSIENT_FAILURE,
        unavailablePicker(this.emptyMessage),
        this.emptyMessage,
      );
    } else if (connecting > 0) {
      this.publish(ConnectivityState.CONNECTING, queuePicker(this), null);
    } else {
      const message = `${this.name}: none of ${total} endpoint(s) is reachable; last error: ${this.lastError ?? 'unknown'}`;
      this.publish(ConnectivityState.TRANSIENT_FAILURE, unavailablePicker(message), message);
    }
  }

  private publish(state: ConnectivityState, picker: Picker, error: string | null): void {
    this.publishedReady = state === ConnectivityState.READY;
    this.helper.updateState(state, picker, error);
  }
}

/**
 * The options the endpoints' leaves (and so their subchannels) get: without the SDK's own options
 * and resolver attribute, which nothing in grpc-js reads. grpc-js copies a channel's options into
 * every subchannel; past four keys each copy gets an out-of-object property array (~70 KB of heap
 * at 1000 endpoints), and channels that differ only in `grpc-thick.*` DNS options now share their
 * subchannels as grpc-js means channels to one address to (its pool compares the options).
 */
export function leafOptions(options: ChannelOptions): ChannelOptions {
  const kept: ChannelOptions = {};
  for (const [key, value] of Object.entries(options)) {
    if (!key.startsWith(OPTION_PREFIX) && key !== TARGET_ATTRIBUTE) kept[key] = value;
  }
  return kept;
}
