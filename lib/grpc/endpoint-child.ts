import { formatHostPort } from '../discovery/target.js';
import type { CallTicket, HealthGate } from '../health/gate.js';
import type { Member, Membership } from '../membership/membership.js';
import {
  type ChannelControlHelper,
  type ChannelOptions,
  ConnectivityState,
  createLeaf,
  type Endpoint,
  LeafHelper,
  type LeafHooks,
  type LeafLoadBalancer,
  type PickArgs,
  type PickResult,
  type SubchannelInterface,
} from './adapter.js';
import { HealthWatcher } from './health-watch.js';
import { log } from './log.js';
import type { ChannelObserver } from './observer.js';

const MS_PER_SECOND = 1000;

/** Stable identity of an endpoint: its addresses, sorted, as gRPC writes them. */
export function endpointKey(endpoint: Endpoint): string {
  return endpoint.addresses
    .map((a) => ('port' in a ? formatHostPort(a) : a.path))
    .sort()
    .join(',');
}

/** `connectTimedOut`: no state change, but the pending connection attempt just passed the connect timeout. */
type StateListener = (
  child: EndpointChild,
  previous: ConnectivityState,
  error: string | null,
  connectTimedOut?: boolean,
) => void;

/**
 * One endpoint of a thick policy: a LeafLoadBalancer (pick_first over the endpoint's addresses,
 * which reports subchannel health), its health watch, its connect timeout, and the per-call hooks
 * that feed drains and the health gate.
 */
export class EndpointChild implements LeafHooks {
  state: ConnectivityState = ConnectivityState.IDLE;
  /** A connection attempt failed or timed out since the endpoint was last READY (grpc's sticky TF). */
  failedSinceReady = false;
  member: Member<Endpoint, EndpointChild> | null = null;
  private readonly leaf: LeafLoadBalancer;
  private connectTimer: NodeJS.Timeout | null = null;
  private membership: Membership<Endpoint, EndpointChild> | null = null;
  private gate: HealthGate | null = null;
  private observer: ChannelObserver | null = null;
  /** At most one: pick_first asks for the subchannel again on every reconnect. */
  private watcher: HealthWatcher | null = null;
  private destroyed = false;
  private attempts: {
    subchannel: SubchannelInterface;
    listener: (s: SubchannelInterface, previous: ConnectivityState, next: ConnectivityState) => void;
  } | null = null;

  constructor(
    readonly key: string,
    endpoint: Endpoint,
    helper: ChannelControlHelper,
    options: ChannelOptions,
    resolutionNote: string,
    private readonly onState: StateListener,
    private readonly healthCheck: { readonly serviceName: string } | null,
    private readonly connectTimeoutMs: number,
    private readonly onConnectFailed: (child: EndpointChild) => void,
  ) {
    this.leaf = createLeaf(endpoint, new LeafHelper(helper, this), options, resolutionNote);
  }

  /** The leaf's subchannel (pick_first asks for it again on every reconnect). */
  subchannelCreated(subchannel: SubchannelInterface): void {
    // pick_first may still connect after the endpoint left (its queue picker's exitIdle).
    if (this.destroyed) return;
    this.watchConnectAttempts(subchannel);
    if (this.healthCheck) {
      this.watcher?.stop();
      this.watcher = new HealthWatcher(
        subchannel,
        this.healthCheck.serviceName,
        (status) => this.gate?.setHealth(this.key, status),
        log,
      );
    }
  }

  leafStateChanged(state: ConnectivityState, error: string | null): void {
    if (!this.destroyed) this.setState(state, error);
  }

  /**
   * Every failed connection attempt counts toward ejection (the leaf reports TRANSIENT_FAILURE only
   * once, then stays there while it retries). pick_first asks for the subchannel again on each
   * reconnect: only the latest one is watched.
   */
  private watchConnectAttempts(subchannel: SubchannelInterface): void {
    this.unwatchConnectAttempts();
    const listener = (_s: SubchannelInterface, _previous: ConnectivityState, next: ConnectivityState) => {
      if (next === ConnectivityState.TRANSIENT_FAILURE && !this.destroyed) this.onConnectFailed(this);
    };
    subchannel.addConnectivityStateListener(listener);
    this.attempts = { subchannel, listener };
  }

  private unwatchConnectAttempts(): void {
    this.attempts?.subchannel.removeConnectivityStateListener(this.attempts.listener);
    this.attempts = null;
  }

  private setState(state: ConnectivityState, error: string | null): void {
    const previous = this.state;
    this.state = state;
    if (state === ConnectivityState.READY) this.failedSinceReady = false;
    if (state === ConnectivityState.TRANSIENT_FAILURE) this.failedSinceReady = true;
    if (state === ConnectivityState.CONNECTING) {
      if (previous !== ConnectivityState.CONNECTING) this.armConnectTimer();
    } else {
      this.disarmConnectTimer();
    }
    this.onState(this, previous, error);
  }

  /**
   * grpc-js has no connect timeout (a SYN to a vanished pod IP waits minutes for the kernel). An
   * attempt pending too long counts as failed, so calls do not wait on it; grpc-js cannot cancel it,
   * so it goes on and the endpoint becomes READY if it ever completes.
   */
  private armConnectTimer(): void {
    this.disarmConnectTimer();
    if (this.connectTimeoutMs <= 0) return;
    this.connectTimer = setTimeout(() => {
      this.connectTimer = null;
      if (this.state !== ConnectivityState.CONNECTING || this.failedSinceReady) return;
      log.info(`connecting to ${this.key} has taken over ${this.connectTimeoutMs} ms: counted as failed`);
      this.failedSinceReady = true;
      this.onState(
        this,
        ConnectivityState.CONNECTING,
        `connection attempt timed out after ${this.connectTimeoutMs} ms`,
      );
    }, this.connectTimeoutMs);
    this.connectTimer.unref();
  }

  private disarmConnectTimer(): void {
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = null;
  }

  bind(
    membership: Membership<Endpoint, EndpointChild>,
    member: Member<Endpoint, EndpointChild>,
    gate: HealthGate,
    observer: ChannelObserver,
  ): void {
    this.member = member;
    this.membership = membership;
    this.gate = gate;
    this.observer = observer;
  }

  startConnecting(): void {
    this.leaf.startConnecting();
  }

  exitIdle(): void {
    this.leaf.exitIdle();
  }

  /** This endpoint's connection for a call; a thick picker wraps it in a PickedCall when bound. */
  leafPick(args: PickArgs): PickResult {
    return this.leaf.getPicker().pick(args);
  }

  /** Whether the per-call hooks below have what they feed (set by `bind`). */
  isBound(): boolean {
    return this.membership !== null;
  }

  /**
   * A call picked here started: counted for drains and the health gate. Counted when the call
   * starts, not at the pick: grpc-js pairs only started calls with an end (a pick can be dropped:
   * credentials failing, the subchannel leaving READY, a deadline).
   */
  callStarted(now: number): CallTicket | null {
    const { membership, member, gate } = this;
    if (!membership || !member || !gate) return null;
    membership.callStarted(member);
    return gate.started(this.key, now);
  }

  /** A started call ended (`ticket` from callStarted); `latencyMs` from its pick. */
  callEnded(ticket: CallTicket, now: number, code: number, latencyMs: number): void {
    const { membership, member, gate } = this;
    if (!membership || !member || !gate) return;
    membership.callEnded(member);
    gate.ended(this.key, ticket, now, code);
    this.observer?.counters?.callEnded(this.key, code, latencyMs / MS_PER_SECOND);
  }

  destroy(): void {
    this.destroyed = true;
    this.unwatchConnectAttempts();
    this.disarmConnectTimer();
    this.watcher?.stop();
    this.watcher = null;
    this.leaf.destroy();
  }
}
