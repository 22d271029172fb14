import { systemClock } from '../common/clock.js';
import type { CallTicket } from '../health/gate.js';
import type { RetryDeadline } from '../retry/deadline.js';
import { type PickInfo, recordOutcome } from '../retry/tried.js';
import {
  type PickResult,
  PickResultType,
  retryPushbackMs,
  Status,
  type SubchannelInterface,
} from './adapter.js';
import type { EndpointChild } from './endpoint-child.js';

/** What a policy measures per call besides what every thick policy does (thick_p2c: its load). */
export interface CallMeter {
  started(now: number, stream: boolean): void;
  /** `latencyMs` from the pick; `stream`: the call streams, so its length is no latency sample. */
  ended(now: number, latencyMs: number, code: number, stream: boolean): void;
}

type OnCallEnded = NonNullable<PickResult['onCallEnded']>;

/**
 * One picked call: the pick result grpc-js gets and the two hooks it calls, in one object. Every
 * per-call concern (drain counts, the health gate, metrics, a policy's load, the deadline check on
 * retries, the outcome a refused retry reports) hangs off these two hooks, so a pick allocates
 * this object and its two hook closures, not a wrapper per concern.
 */
export class PickedCall implements PickResult {
  readonly pickResultType = PickResultType.COMPLETE;
  readonly subchannel: SubchannelInterface | null;
  readonly status = null;
  private ticket: CallTicket | null = null;

  constructor(
    private readonly child: EndpointChild,
    /** The leaf's own result: its hooks, if it has any, still run. */
    private readonly leaf: PickResult,
    private readonly info: PickInfo,
    private readonly pickedAt: number,
    private readonly meter: CallMeter | null,
    private readonly stream: boolean,
    private readonly deadline: RetryDeadline | null,
    /** This pick's number in its call, for the deadline tracker. */
    private readonly seq: number,
  ) {
    this.subchannel = leaf.subchannel;
  }

  // grpc-js calls the hooks with itself as `this`: they must be bound, hence arrow properties.
  readonly onCallStarted = (): void => {
    this.leaf.onCallStarted?.();
    const now = systemClock.now();
    this.ticket = this.child.callStarted(now);
    this.meter?.started(now, this.stream);
  };

  readonly onCallEnded: OnCallEnded = (code, details, trailers) => {
    this.leaf.onCallEnded?.(code, details, trailers);
    const now = systemClock.now();
    const latencyMs = now - this.pickedAt;
    // Only a failure can be retried, so only its outcome is needed (a refused retry reports it).
    if (code !== Status.OK) recordOutcome(this.info, code, details);
    if (this.ticket) this.child.callEnded(this.ticket, now, code, latencyMs);
    this.meter?.ended(now, latencyMs, code, this.stream);
    this.deadline?.attemptEnded(this.seq, code, details, retryPushbackMs(trailers));
  };
}
