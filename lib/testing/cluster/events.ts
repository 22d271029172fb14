// The bed's timestamped event log: what happened to pods and DNS, for assertions and for readable
// test failure messages.

export type ClusterEventKind =
  | 'dns-started'
  | 'dns-publish'
  | 'dns-fault'
  | 'dns-error'
  | 'pod-started'
  | 'pod-listening'
  | 'pod-ready'
  | 'pod-published'
  | 'pod-unpublished'
  | 'pod-terminating'
  | 'pod-draining'
  | 'pod-sigterm'
  | 'pod-sigkill'
  | 'pod-exited'
  | 'pod-hung'
  | 'pod-resumed'
  | 'pod-crashed'
  | 'pod-mode'
  | 'pod-health'
  | 'rollout-started'
  | 'rollout-finished'
  | 'cluster-stopped';

export interface ClusterEvent {
  /** Date.now() when it happened. */
  readonly time: number;
  readonly kind: ClusterEventKind;
  readonly pod?: string;
  /** For 'dns-publish': the A record set after the publish. */
  readonly ips?: readonly string[];
  readonly detail?: string;
}

export class EventLog {
  readonly events: ClusterEvent[] = [];
  private readonly sink: ((line: string) => void) | undefined;
  private readonly origin = Date.now();

  constructor(sink?: (line: string) => void) {
    this.sink = sink;
  }

  add(kind: ClusterEventKind, fields: Omit<ClusterEvent, 'time' | 'kind'> = {}): ClusterEvent {
    const event: ClusterEvent = { time: Date.now(), kind, ...fields };
    this.events.push(event);
    this.sink?.(formatEvent(event, this.origin));
    return event;
  }

  format(since: number = this.origin): string {
    return formatEvents(this.events, this.origin, since);
  }
}

export function formatEvent(event: ClusterEvent, origin: number): string {
  const parts = [`+${event.time - origin}ms`, event.kind];
  if (event.pod) parts.push(event.pod);
  if (event.ips) parts.push(`[${event.ips.join(', ')}]`);
  if (event.detail) parts.push(event.detail);
  return parts.join(' ');
}

/** One line per event, times relative to `origin`, only those at or after `since`. */
export function formatEvents(
  events: readonly ClusterEvent[],
  origin: number,
  since: number = origin,
): string {
  return events
    .filter((e) => e.time >= since)
    .map((e) => formatEvent(e, origin))
    .join('\n');
}
