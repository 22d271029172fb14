import type { GateEvent, HealthGate } from '../health/gate.js';
import type { Member, MembershipDiff } from '../membership/membership.js';
import { thickEvents } from '../metrics/events.js';
import {
  acquireStats,
  type BalancerView,
  type EndpointView,
  releaseStats,
  type TargetStats,
} from '../metrics/stats.js';
import { type ChannelOptions, ConnectivityState, type Endpoint } from './adapter.js';
import type { EndpointChild } from './endpoint-child.js';
import { TARGET_ATTRIBUTE } from './resolver.js';

/**
 * What a thick policy instance reports: counters for the metrics collector and typed events.
 * Knows its channel's target once the resolver has said it (an attribute of the first update);
 * with another resolver (plain `dns:`), the target is "unknown".
 */
export class ChannelObserver {
  private stats: TargetStats | null = null;
  private target = '';
  private removeView: (() => void) | null = null;

  constructor(private readonly view: () => BalancerView) {}

  /** The counters, once attached (null before the first update); the call path reads this. */
  get counters(): TargetStats | null {
    return this.stats;
  }

  attach(options: ChannelOptions): void {
    if (this.stats) return;
    const target = options[TARGET_ATTRIBUTE];
    this.target = typeof target === 'string' ? target : 'unknown';
    this.stats = acquireStats(this.target);
    this.removeView = this.stats.addBalancer(this.view);
  }

  detach(): void {
    this.removeView?.();
    this.removeView = null;
    if (this.stats) releaseStats(this.target);
    this.stats = null;
  }

  membershipChanged(diff: MembershipDiff): void {
    const stats = this.stats;
    if (!stats) return;
    const target = this.target;
    stats.membership.added += diff.added.length + diff.restored.length;
    stats.membership.removed += diff.removed.length;
    for (const endpoint of [...diff.added, ...diff.restored])
      thickEvents.emit('endpoint_added', { target, endpoint });
    for (const endpoint of diff.removed) thickEvents.emit('endpoint_removed', { target, endpoint });
  }

  endpointRetired(endpoint: string): void {
    this.stats?.endpointRetired(endpoint);
  }

  gateEvent(event: GateEvent): void {
    const target = this.target;
    switch (event.kind) {
      case 'ejected':
        this.stats?.ejected(event.reason);
        thickEvents.emit('endpoint_ejected', {
          target,
          endpoint: event.key,
          reason: event.reason,
          durationMs: event.durationMs,
          ejections: event.ejections,
        });
        break;
      case 'probation':
        thickEvents.emit('endpoint_probation', { target, endpoint: event.key });
        break;
      case 'restored':
        thickEvents.emit('endpoint_restored', { target, endpoint: event.key });
        break;
      case 'health':
        thickEvents.emit('endpoint_health', { target, endpoint: event.key, serving: event.serving });
        break;
      case 'panic':
        thickEvents.emit('panic', { target, on: event.on, usable: event.usable, connected: event.connected });
        break;
    }
  }
}

const STATE_NAMES: Partial<Record<ConnectivityState, EndpointView['state']>> = {
  [ConnectivityState.READY]: 'ready',
  [ConnectivityState.CONNECTING]: 'connecting',
  [ConnectivityState.IDLE]: 'idle',
  [ConnectivityState.TRANSIENT_FAILURE]: 'failed',
};

/** How a scrape sees the policy's endpoints (active and draining). */
export function balancerView(
  policy: string,
  members: Iterable<Member<Endpoint, EndpointChild>>,
  gate: HealthGate,
): BalancerView {
  const endpoints: EndpointView[] = [];
  for (const member of members) {
    const child: EndpointChild = member.child;
    const { ejected, health } = gate.status(member.key);
    endpoints.push({
      endpoint: member.key,
      state:
        child.failedSinceReady && child.state !== ConnectivityState.READY
          ? 'failed'
          : (STATE_NAMES[child.state] ?? 'idle'),
      ejected,
      health: health === 'pending' ? 'unknown' : health,
      draining: member.draining,
    });
  }
  return { policy, panic: gate.inPanic, endpoints };
}
