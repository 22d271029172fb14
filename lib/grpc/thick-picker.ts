import { systemClock } from '../common/clock.js';
import type { HealthGate } from '../health/gate.js';
import type { Member } from '../membership/membership.js';
import type { RetryBudget } from '../retry/budget.js';
import { isLaterAttempt, lastOutcome, markTried, wasTried } from '../retry/tried.js';
import {
  dropPick,
  type Endpoint,
  type PickArgs,
  type Picker,
  type PickResult,
  PickResultType,
  Status,
} from './adapter.js';
import { callTag } from './call-tag.js';
import type { EndpointChild } from './endpoint-child.js';
import type { ChannelObserver } from './observer.js';
import { type CallMeter, PickedCall } from './picked-call.js';

export type ThickMember = Member<Endpoint, EndpointChild>;

/** What every thick picker is built from (one picker per pick-set change). */
export interface PickContext {
  /** READY, not ejected, healthy; or all READY in panic. Never empty. */
  readonly candidates: readonly ThickMember[];
  readonly gate: HealthGate;
  readonly peerLatencyMs: number | undefined;
  readonly panic: boolean;
  readonly budget: RetryBudget | null;
  readonly observer: ChannelObserver;
}

/**
 * The pick path every thick policy shares; a policy only says which candidate to try (`select`).
 * Around it: the retry budget, previous-endpoint avoidance (a retry goes to an endpoint this call
 * has not tried whenever one is usable), the deadline check on retries, and failing open when
 * everything is held back.
 */
export abstract class ThickPicker implements Picker {
  /** Per pick, read by the subclass's `usable` test (kept on the picker so a pick allocates no closure). */
  protected now = 0;
  protected retry = false;
  protected info: PickArgs['extraPickInfo'] = {};

  constructor(protected readonly context: PickContext) {}

  /**
   * An index into the candidates that `usable` accepts, or -1. Called once per pick; O(1) for the
   * common case.
   */
  protected abstract select(): number;

  /**
   * The policy's own bookkeeping for the candidate chosen, once its pick completed (thick_p2c counts
   * the call from here); what it returns sees the call start and end.
   */
  protected meter(_index: number): CallMeter | null {
    return null;
  }

  /** Admitted by the health gate and not tried by this call. */
  protected usable(index: number): boolean {
    const member = this.context.candidates[index]!;
    if (this.retry && wasTried(this.info, member.key)) return false;
    const { gate, peerLatencyMs, panic } = this.context;
    return gate.admits(member.key, this.now, peerLatencyMs, panic);
  }

  pick(args: PickArgs): PickResult {
    const { budget, candidates } = this.context;
    const info = args.extraPickInfo;
    const retry = isLaterAttempt(info);
    if (!retry) budget?.deposit();
    else if (budget && !budget.tryWithdraw()) {
      // Past the budget the call ends with the error that made grpc-js retry it.
      const counters = this.context.observer.counters;
      if (counters) counters.retriesRefused += 1;
      const last = lastOutcome(info);
      return dropPick(
        last?.code ?? Status.UNAVAILABLE,
        `${last?.details ?? 'retry refused'} (not retried: the retry budget is spent)`,
      );
    }
    this.now = systemClock.now();
    this.retry = retry;
    this.info = info;
    let index = this.select();
    if (index < 0) index = this.failOpen(info, retry);
    const member = candidates[index]!;
    markTried(info, member.key);
    const leaf = member.child.leafPick(args);
    if (leaf.pickResultType !== PickResultType.COMPLETE || !member.child.isBound()) return leaf;
    const counters = this.context.observer.counters;
    if (retry && counters) counters.retries += 1;
    // Streams and deadlines are known only through the SDK's call transformer.
    const tag = callTag(args);
    const deadline = tag?.deadline ?? null;
    const seq = deadline?.picked() ?? 0;
    const stream = tag?.stream ?? false;
    return new PickedCall(member.child, leaf, info, this.now, this.meter(index), stream, deadline, seq);
  }

  /**
   * Everything is held back (a pause of this process makes every endpoint look stalled): fail open
   * rather than fail the call, still preferring endpoints this call has not tried.
   */
  private failOpen(info: PickArgs['extraPickInfo'], retry: boolean): number {
    const n = this.context.candidates.length;
    const start = Math.floor(Math.random() * n);
    for (let step = 0; step < n; step++) {
      const index = (start + step) % n;
      if (!retry || !wasTried(info, this.context.candidates[index]!.key)) return index;
    }
    return start;
  }
}
