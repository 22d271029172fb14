import { formatHostPort } from '../discovery/target.js';
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
  private onEnded: OnCallEnded | null = null;

  constructor(
    readonly key: string,
    endpoint: Endpoint,
    helper: ChannelControlHelper,
    options: ChannelOptions,
    resolutionNote: string,
    onState: StateListener,
  ) {
    const ownHelper = childHelper(helper, {
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

  bind(membership: Membership<Endpoint, EndpointChild>, member: Member<Endpoint, EndpointChild>): void {
    this.member = member;
    this.onStarted = () => membership.callStarted(member);
    this.onEnded = () => membership.callEnded(member);
  }

  startConnecting(): void {
    this.leaf.startConnecting();
  }

  exitIdle(): void {
    this.leaf.exitIdle();
  }

  pick(args: PickArgs): PickResult {
    const result = this.leaf.getPicker().pick(args);
    if (result.pickResultType !== PickResultType.COMPLETE || !this.onStarted || !this.onEnded) return result;
    const started = this.onStarted;
    const ended = this.onEnded;
    const innerStarted = result.onCallStarted;
    const innerEnded = result.onCallEnded;
    return {
      ...result,
      onCallStarted: innerStarted
        ? () => {
            innerStarted();
            started();
          }
        : started,
      onCallEnded: innerEnded
        ? (code, details, metadata) => {
            innerEnded(code, details, metadata);
            ended(code, details, metadata);
          }
        : ended,
    };
  }

  destroy(): void {
    this.leaf.destroy();
  }
}
