import type { Clock, TimerHandle } from '../common/clock.js';
import type { Logger } from '../common/logger.js';

/** What a member owns; for the grpc glue, one LeafLoadBalancer (one connection). */
export interface Retirable {
  destroy(): void;
}

export interface Member<E, C extends Retirable> {
  readonly key: string;
  readonly endpoint: E;
  readonly child: C;
  /** Calls started on this endpoint and not yet ended: what a drain waits for. */
  inFlight: number;
  draining: boolean;
  drainTimer: TimerHandle | null;
}

export interface MembershipDiff {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** Keys that came back while draining: their connection is reused. */
  readonly restored: readonly string[];
}

export interface MembershipDeps<E, C extends Retirable> {
  create(key: string, endpoint: E): C;
  /** Read when a drain starts, so a config update applies to the next drain. */
  drainTimeoutMs(): number;
  /** A member left for good (drained, or destroyed with the policy is not included). */
  retired?(key: string): void;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * The endpoint set as a diff: an update that adds or removes one endpoint leaves every other
 * member (and its connection) untouched. A removed member drains: it gets no new calls, its
 * calls in flight finish, then it is destroyed, at the latest after the drain timeout.
 */
export class Membership<E, C extends Retirable> {
  readonly active = new Map<string, Member<E, C>>();
  readonly draining = new Map<string, Member<E, C>>();

  constructor(private readonly deps: MembershipDeps<E, C>) {}

  update(next: ReadonlyMap<string, E>): MembershipDiff {
    const added: string[] = [];
    const removed: string[] = [];
    const restored: string[] = [];
    for (const [key, member] of this.active) {
      if (!next.has(key)) {
        removed.push(key);
        this.startDrain(member);
      }
    }
    for (const [key, endpoint] of next) {
      if (this.active.has(key)) continue;
      const back = this.draining.get(key);
      if (back) {
        back.drainTimer?.cancel();
        back.drainTimer = null;
        back.draining = false;
        this.draining.delete(key);
        this.active.set(key, back);
        restored.push(key);
        continue;
      }
      const member: Member<E, C> = {
        key,
        endpoint,
        child: this.deps.create(key, endpoint),
        inFlight: 0,
        draining: false,
        drainTimer: null,
      };
      this.active.set(key, member);
      added.push(key);
    }
    return { added, removed, restored };
  }

  callStarted(member: Member<E, C>): void {
    member.inFlight++;
  }

  callEnded(member: Member<E, C>): void {
    member.inFlight--;
    if (member.draining && member.inFlight <= 0) this.retire(member, 'its calls finished');
  }

  /** A draining member lost its connection: its calls have failed, there is nothing left to wait for. */
  connectionLost(member: Member<E, C>): void {
    if (member.draining) this.retire(member, 'its connection closed');
  }

  destroy(): void {
    for (const member of [...this.active.values(), ...this.draining.values()]) {
      member.drainTimer?.cancel();
      member.child.destroy();
    }
    this.active.clear();
    this.draining.clear();
  }

  private startDrain(member: Member<E, C>): void {
    this.active.delete(member.key);
    member.draining = true;
    this.draining.set(member.key, member);
    if (member.inFlight <= 0) {
      this.retire(member, 'it had no calls in flight');
      return;
    }
    const timeoutMs = this.deps.drainTimeoutMs();
    this.deps.logger.debug(`draining ${member.key}: ${member.inFlight} call(s) in flight`);
    member.drainTimer = this.deps.clock.setTimer(() => {
      this.deps.logger.warn(
        `drain of ${member.key} cut short after ${timeoutMs} ms with ${member.inFlight} call(s) still in flight`,
      );
      this.retire(member, 'the drain timeout passed');
    }, timeoutMs);
  }

  private retire(member: Member<E, C>, why: string): void {
    if (this.draining.get(member.key) !== member) return;
    member.drainTimer?.cancel();
    member.drainTimer = null;
    this.draining.delete(member.key);
    this.deps.logger.debug(`closed ${member.key}: removed from DNS and ${why}`);
    member.child.destroy();
    this.deps.retired?.(member.key);
  }
}
