import { systemClock } from '../common/clock.js';
import { formatHostPort } from '../discovery/target.js';
import type { HealthGate } from '../health/gate.js';
import type { Member, Membership } from '../membership/membership.js';
import {
  type ChannelControlHelper,
  type ChannelOptions,
  ConnectivityState,
  childHelper,
  createLeaf,
  type Endpoint,
  type LeafLoadBalancer,
  type OnCallEnded,
  type PickArgs,
  type PickResult,
  PickResultType,
} from './adapter.js';
import { HealthWatcher } from './health-watch.js';
import { log } from './log.js';

/** Stable identity of an endpoint: its addresses, sorted, as gRPC writes them. */
export function endpointKey(endpoint: Endpoint): string {
  return endpoint.addresses
    .map((a) => ('port' in a ? formatHostPort(a) : a.path))
    .sort()
    .join(',');
}

/** Subchannel argument that makes each abandoned-connect generation a distinct pooled subchannel. */
const CONNECT_GENERATION_ARG = 'grpc-thick-internal.connect_generation';

type StateListener = (child: EndpointChild, previous: ConnectivityState, error: string | null) => void;

/**
 * One endpoint of a thick policy: a LeafLoadBalancer (pick_first over the endpoint's addresses,
 * which reports subchannel health) plus the per-call hooks that count calls in flight for drains.
 * The hooks are allocated once per endpoint, not per call.
 */
export class EndpointChild {
  state: ConnectivityState = ConnectivityState.IDLE;
  /** A connection attempt failed or timed out since the endpoint was last READY (grpc's sticky TF). */
  failedSinceReady = false;
  member: Member<Endpoint, EndpointChild> | null = null;
  private leaf: LeafLoadBalancer;
  /** Bumped when a stuck connection attempt is abandoned: the old leaf's reports are then ignored. */
  private generation = 0;
  private connectTimer: NodeJS.Timeout | null = null;
  private onStarted: (() => void) | null = null;
  private onEnded: (() => void) | null = null;
  private gate: HealthGate | null = null;
  private watchers: HealthWatcher[] = [];

  constructor(
    readonly key: string,
    private readonly endpoint: Endpoint,
    private readonly helper: ChannelControlHelper,
    private readonly options: ChannelOptions,
    private readonly resolutionNote: string,
    private readonly onState: StateListener,
    private readonly healthCheck: { readonly serviceName: string } | null,
    private readonly connectTimeoutMs: number,
  ) {
    this.leaf = this.createLeaf();
  }

  private createLeaf(): LeafLoadBalancer {
    const generation = this.generation;
    const ownHelper = childHelper(this.helper, {
      createSubchannel: (address, args) => {
        const subchannel = this.helper.createSubchannel(address, args);
        if (this.healthCheck) {
          const watcher = new HealthWatcher(
            subchannel,
            this.healthCheck.serviceName,
            (serving) => this.gate?.setServing(this.key, serving),
            log,
          );
          this.watchers.push(watcher);
        }
        return subchannel;
      },
      updateState: (state, _picker, error) => {
        if (generation === this.generation) this.setState(state, error);
      },
      // The parent policy decides when to re-resolve (it knows when an endpoint dropped).
      requestReresolution: () => {},
    });
    // A distinct subchannel argument per generation gets a fresh subchannel (and TCP connect) from the pool.
    const options =
      generation === 0 ? this.options : { ...this.options, [CONNECT_GENERATION_ARG]: generation };
    return createLeaf(this.endpoint, ownHelper, options, this.resolutionNote);
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

  /** grpc-js has no connect timeout: a SYN to a vanished pod IP can hang for minutes. */
  private armConnectTimer(): void {
    this.disarmConnectTimer();
    if (this.connectTimeoutMs <= 0) return;
    this.connectTimer = setTimeout(() => {
      this.connectTimer = null;
      if (this.state !== ConnectivityState.CONNECTING) return;
      log.info(
        `connecting to ${this.key} timed out after ${this.connectTimeoutMs} ms; starting a new attempt`,
      );
      this.setState(
        ConnectivityState.TRANSIENT_FAILURE,
        `connection attempt timed out after ${this.connectTimeoutMs} ms`,
      );
      this.replaceLeaf();
    }, this.connectTimeoutMs);
    this.connectTimer.unref();
  }

  private disarmConnectTimer(): void {
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = null;
  }

  private replaceLeaf(): void {
    const old = this.leaf;
    const oldWatchers = this.watchers;
    this.generation++;
    this.watchers = [];
    this.leaf = this.createLeaf();
    for (const watcher of oldWatchers) watcher.stop();
    old.destroy();
    this.leaf.startConnecting();
  }

  bind(
    membership: Membership<Endpoint, EndpointChild>,
    member: Member<Endpoint, EndpointChild>,
    gate: HealthGate,
  ): void {
    this.member = member;
    this.gate = gate;
    this.onStarted = () => membership.callStarted(member);
    this.onEnded = () => membership.callEnded(member);
  }

  startConnecting(): void {
    this.leaf.startConnecting();
  }

  exitIdle(): void {
    this.leaf.exitIdle();
  }

  /** Picks this endpoint's connection for a call at `now` (the picker's clock). */
  pick(args: PickArgs, now: number): PickResult {
    const result = this.leaf.getPicker().pick(args);
    const { onStarted, onEnded, gate } = this;
    if (result.pickResultType !== PickResultType.COMPLETE || !onStarted || !onEnded || !gate) return result;
    const key = this.key;
    const ticket = gate.picked(key, now);
    const innerStarted = result.onCallStarted;
    const innerEnded = result.onCallEnded;
    // One closure per call: it carries the call's ticket, for the latency and stall estimates.
    const ended: OnCallEnded = (code, details, metadata) => {
      innerEnded?.(code, details, metadata);
      onEnded();
      gate.ended(key, ticket, systemClock.now(), code);
    };
    return {
      ...result,
      onCallStarted: innerStarted
        ? () => {
            innerStarted();
            onStarted();
          }
        : onStarted,
      onCallEnded: ended,
    };
  }

  destroy(): void {
    this.generation++;
    this.disarmConnectTimer();
    for (const watcher of this.watchers) watcher.stop();
    this.leaf.destroy();
  }
}
