import { type Clock, systemClock } from '../common/clock.js';
import {
  DEFAULT_ROUND_ROBIN_SETTINGS,
  parseRoundRobinConfig,
  type RoundRobinSettings,
  THICK_ROUND_ROBIN,
} from '../config/policy.js';
import { HealthGate } from '../health/gate.js';
import { type Member, Membership } from '../membership/membership.js';
import { RoundRobinCursor } from '../picking/round-robin.js';
import { RetryBudget } from '../retry/budget.js';
import { isLaterAttempt, lastOutcome, markTried, wasTried } from '../retry/tried.js';
import {
  type ChannelControlHelper,
  type ChannelOptions,
  ConnectivityState,
  dropPick,
  type Endpoint,
  type LoadBalancer,
  type PickArgs,
  type Picker,
  type PickResult,
  queuePicker,
  Status,
  type StatusOr,
  type TypedLoadBalancingConfig,
  unavailablePicker,
} from './adapter.js';
import { EndpointChild, endpointKey } from './endpoint-child.js';
import { log } from './log.js';
import { takeRetryDeadline, withRetryDeadline } from './retry-deadline.js';

export class ThickRoundRobinConfig implements TypedLoadBalancingConfig {
  constructor(
    readonly settings: RoundRobinSettings = DEFAULT_ROUND_ROBIN_SETTINGS,
    private readonly json: object = {},
  ) {}

  getLoadBalancerName(): string {
    return THICK_ROUND_ROBIN;
  }

  toJsonObject(): object {
    return { [THICK_ROUND_ROBIN]: this.json };
  }

  static createFromJson(json: unknown): ThickRoundRobinConfig {
    return new ThickRoundRobinConfig(parseRoundRobinConfig(json), structuredClone(json ?? {}) as object);
  }
}

type RrMember = Member<Endpoint, EndpointChild>;

/**
 * Round robin per call over the candidates (READY, not ejected, healthy; or all READY in panic),
 * passing over a stalled or warming endpoint. The cursor lives on the policy so the rotation
 * survives picker swaps.
 */
class ThickRoundRobinPicker implements Picker {
  constructor(
    private readonly candidates: readonly RrMember[],
    private readonly cursor: RoundRobinCursor,
    private readonly gate: HealthGate,
    private readonly peerLatencyMs: number | undefined,
    private readonly panic: boolean,
    private readonly budget: RetryBudget | null,
  ) {}

  pick(args: PickArgs): PickResult {
    const deadline = takeRetryDeadline(args);
    const seq = deadline?.picked() ?? 0;
    const result = this.choose(args);
    return deadline ? withRetryDeadline(result, deadline, seq) : result;
  }

  private choose(args: PickArgs): PickResult {
    const now = systemClock.now();
    const n = this.candidates.length;
    const info = args.extraPickInfo;
    const retry = isLaterAttempt(info);
    if (!retry) this.budget?.deposit();
    else if (this.budget && !this.budget.tryWithdraw()) {
      // Past the budget the call ends with the error that made grpc-js retry it.
      const last = lastOutcome(info);
      return dropPick(
        last?.code ?? Status.UNAVAILABLE,
        `${last?.details ?? 'retry refused'} (not retried: the retry budget is spent)`,
      );
    }
    // If none is admitted: an untried one held back (stalled, warming) before one this call tried.
    let untried: RrMember | undefined;
    let tried: RrMember | undefined;
    for (let attempt = 0; attempt < n; attempt++) {
      const member = this.candidates[this.cursor.next(n)]!;
      const wasTriedHere = retry && wasTried(info, member.key);
      if (!wasTriedHere && this.gate.admits(member.key, now, this.peerLatencyMs, this.panic)) {
        return this.chosen(member, args);
      }
      if (wasTriedHere) tried ??= member;
      else untried ??= member;
    }
    // Everything is held back (a pause of this process makes every endpoint look stalled): fail
    // open rather than fail the call, and still away from the endpoints this call already tried.
    return this.chosen(untried ?? tried ?? this.candidates[this.cursor.next(n)]!, args);
  }

  private chosen(member: RrMember, args: PickArgs): PickResult {
    markTried(args.extraPickInfo, member.key);
    return member.child.pick(args);
  }
}

/**
 * `thick_round_robin`: one LeafLoadBalancer (connection) per endpoint, kept across updates (a diff,
 * not a rebuild), every endpoint kept connected, removed endpoints drained, and re-resolution
 * asked for whenever an endpoint leaves READY.
 */
export class ThickRoundRobin implements LoadBalancer {
  private settings: RoundRobinSettings = DEFAULT_ROUND_ROBIN_SETTINGS;
  private readonly membership: Membership<Endpoint, EndpointChild>;
  private readonly cursor = new RoundRobinCursor(Math.random);
  private options: ChannelOptions = {};
  private note = '';
  private emptyMessage: string | null = null;
  private paused = false;
  private lastError: string | null = null;
  private readonly gate: HealthGate;
  /** Per channel (one policy instance per channel); replaced when its settings change. */
  private budget: RetryBudget | null = null;
  private readonly clock: Clock;
  /** Once endpoints are known, new ones get slow start (the first set resolved does not). */
  private running = false;

  constructor(
    private readonly helper: ChannelControlHelper,
    clock: Clock = systemClock,
  ) {
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
      retired: (key) => this.gate.remove(key),
      clock,
      logger: log,
    });
    this.clock = clock;
    this.gate = new HealthGate(this.settings.health, clock, Math.random, log, () => this.updateAggregate());
  }

  updateAddressList(
    endpoints: StatusOr<Endpoint[]>,
    config: TypedLoadBalancingConfig,
    options: ChannelOptions,
    resolutionNote: string,
  ): boolean {
    if (!(config instanceof ThickRoundRobinConfig)) return false;
    if (
      config.settings.retryBudget !== this.settings.retryBudget ||
      (!this.budget && config.settings.retryBudget)
    ) {
      this.budget = config.settings.retryBudget
        ? new RetryBudget(config.settings.retryBudget, this.clock)
        : null;
    }
    this.settings = config.settings;
    this.gate.update(config.settings.health);
    if (!endpoints.ok) {
      // Keep serving the endpoints we have; only a policy with none reports the error.
      if (this.membership.active.size === 0) {
        this.emptyMessage = endpoints.error.details;
        this.updateAggregate();
      }
      return true;
    }
    this.options = options;
    this.note = resolutionNote;
    const next = new Map(endpoints.value.map((e) => [endpointKey(e), e]));
    this.paused = true;
    const diff = this.membership.update(next);
    // Removed endpoints keep their health state while they drain: one that comes back resumes it.
    for (const key of diff.added) {
      const member = this.membership.active.get(key)!;
      this.gate.add(key, this.running);
      member.child.bind(this.membership, member, this.gate);
      member.child.startConnecting();
    }
    if (next.size > 0) this.running = true;
    this.paused = false;
    if (diff.added.length + diff.removed.length + diff.restored.length > 0) {
      log.info(
        `${THICK_ROUND_ROBIN}: ${this.membership.active.size} endpoint(s); added [${diff.added.join(', ')}], ` +
          `removed [${diff.removed.join(', ')}]${diff.restored.length ? `, back [${diff.restored.join(', ')}]` : ''}`,
      );
    }
    this.emptyMessage =
      next.size === 0 ? resolutionNote || `${THICK_ROUND_ROBIN}: the resolver returned no endpoints` : null;
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
    this.membership.destroy();
    this.gate.destroy();
  }

  getTypeName(): string {
    return THICK_ROUND_ROBIN;
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
    this.updateAggregate();
    // Round robin keeps every endpoint connected, so a pick never waits for a handshake.
    if (state === ConnectivityState.IDLE) child.exitIdle();
  }

  private updateAggregate(): void {
    if (this.paused) return;
    const ready: RrMember[] = [];
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
      const picker = new ThickRoundRobinPicker(
        candidates.length > 0 ? candidates : ready,
        this.cursor,
        this.gate,
        this.gate.peerLatency(),
        panic,
        this.budget,
      );
      this.helper.updateState(ConnectivityState.READY, picker, null);
    } else if (total === 0) {
      if (this.emptyMessage === null) return; // nothing resolved yet: stay as we are
      this.helper.updateState(
        ConnectivityState.TRANSIENT_FAILURE,
        unavailablePicker(this.emptyMessage),
        this.emptyMessage,
      );
    } else if (connecting > 0) {
      this.helper.updateState(ConnectivityState.CONNECTING, queuePicker(this), null);
    } else {
      const message = `${THICK_ROUND_ROBIN}: none of ${total} endpoint(s) is reachable; last error: ${this.lastError ?? 'unknown'}`;
      this.helper.updateState(ConnectivityState.TRANSIENT_FAILURE, unavailablePicker(message), message);
    }
  }
}
