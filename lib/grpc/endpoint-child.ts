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

type StateListener = (child: EndpointChild, previous: ConnectivityState, error: string | null) => void;

/**
 * One endpoint of a thick policy: a LeafLoadBalancer (pick_first over the endpoint's addresses,
 * which reports subchannel health) plus the per-call hooks that count calls in flight for drains.
 * The hooks are allocated once per endpoint, not per call.
 */
export class EndpointChild {
  state: ConnectivityState = ConnectivityState.IDLE;
  member: Member<Endpoint, EndpointChild> | null = null;
  private readonly leaf: LeafLoadBalancer;
  private onStarted: (() => void) | null = null;
  private onEnded: (() => void) | null = null;
  private gate: HealthGate | null = null;
  private readonly watchers: HealthWatcher[] = [];

  constructor(
    readonly key: string,
    endpoint: Endpoint,
    helper: ChannelControlHelper,
    options: ChannelOptions,
    resolutionNote: string,
    onState: StateListener,
    healthCheck: { readonly serviceName: string } | null,
  ) {
    const ownHelper = childHelper(helper, {
      createSubchannel: (address, args) => {
        const subchannel = helper.createSubchannel(address, args);
        if (healthCheck) {
          const watcher = new HealthWatcher(
            subchannel,
            healthCheck.serviceName,
            (s) => this.gate?.setServing(key, s),
            log,
          );
          this.watchers.push(watcher);
        }
        return subchannel;
      },
      updateState: (state, _picker, error) => {
        const previous = this.state;
        this.state = state;
        onState(this, previous, error);
      },
      // The parent policy decides when to re-resolve (it knows when an endpoint dropped).
      requestReresolution: () => {},
    });
    this.leaf = createLeaf(endpoint, ownHelper, options, resolutionNote);
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
    for (const watcher of this.watchers) watcher.stop();
    this.leaf.destroy();
  }
}
