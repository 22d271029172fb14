import type { Clock, RandomSource, TimerHandle } from '../common/clock.js';
import type { Logger } from '../common/logger.js';
import type { LookupOutcome } from './answer.js';
import type { ResolverOptions } from './options.js';
import { Backoff, nextPollDelay } from './schedule.js';
import type { HostAndPort } from './target.js';

/** What the poller tells the channel. */
export type Resolution =
  | { readonly kind: 'endpoints'; readonly endpoints: readonly HostAndPort[]; readonly note: string }
  /** Authoritatively nothing (NXDOMAIN: scaled to zero), or a stale set dropped: calls fail fast. */
  | { readonly kind: 'empty'; readonly message: string }
  /** DNS fails and there was never a good answer. */
  | { readonly kind: 'error'; readonly message: string };

/** Each query's outcome, for metrics and events (reports to the channel stay change-only). */
export type PollObservation =
  | { readonly kind: 'answer'; readonly endpoints: number }
  | { readonly kind: 'empty' }
  | {
      readonly kind: 'failure';
      readonly error: string;
      readonly first: boolean;
      readonly keptEndpoints: number;
    }
  | { readonly kind: 'recovered'; readonly failedQueries: number; readonly downForMs: number };

export interface PollerDeps {
  readonly options: ResolverOptions;
  /** The name as written in the target, for messages. */
  readonly name: string;
  /** The DNS server asked ("127.0.53.1:20053", "system DNS 10.96.0.10"), for messages. */
  readonly server: string;
  readonly lookup: () => Promise<LookupOutcome>;
  /** Abandons a lookup in flight. */
  readonly cancel: () => void;
  readonly onResolution: (resolution: Resolution) => void;
  readonly onObservation?: (observation: PollObservation) => void;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly logger: Logger;
}

interface GoodAnswer {
  readonly endpoints: readonly HostAndPort[];
  readonly key: string;
  readonly at: number;
  readonly message: string;
}

const EMPTY_KEY = 'empty:';
const STALE_KEY = 'stale:';
const ERROR_KEY = 'error:';
const MS_PER_SECOND = 1000;

/**
 * Polls DNS for the endpoint set. One query at a time; polls on a jittered timer, answers explicit
 * requests (re-resolution) no more often than the floor, backs off while DNS fails and keeps the
 * last good set meanwhile. Timer polls report only changes; explicit requests are always answered,
 * because grpc-js backs off further resolution requests until the resolver answers.
 * No sockets here: the lookup is injected.
 */
export class DnsPoller {
  private running = false;
  private generation = 0;
  private inFlight = false;
  private timer: TimerHandle | null = null;
  private timerDueAt = Number.POSITIVE_INFINITY;
  private lastQueryAt = Number.NEGATIVE_INFINITY;
  private answerOwed = false;
  private lastGood: GoodAnswer | null = null;
  private lastReportedKey: string | null = null;
  private failure: { since: number; count: number } | null = null;
  private ignoredLogged = '';
  private readonly backoff: Backoff;

  constructor(private readonly deps: PollerDeps) {
    const { minResolutionIntervalMs, pollIntervalMs } = deps.options;
    this.backoff = new Backoff(minResolutionIntervalMs, pollIntervalMs, deps.random);
  }

  /** The channel wants an answer: query now, or as soon as the floor allows. Never answers synchronously. */
  requestResolution(): void {
    this.running = true;
    this.answerOwed = true;
    if (this.inFlight) return; // the answer in flight will serve this request
    const earliest = this.lastQueryAt + this.deps.options.minResolutionIntervalMs;
    this.schedule(Math.max(0, earliest - this.deps.clock.now()));
  }

  /** Stops polling and forgets everything; a later requestResolution() starts afresh. */
  destroy(): void {
    this.running = false;
    this.generation++;
    this.cancelTimer();
    if (this.inFlight) this.deps.cancel();
    this.inFlight = false;
    this.lastQueryAt = Number.NEGATIVE_INFINITY;
    this.answerOwed = false;
    this.lastGood = null;
    this.lastReportedKey = null;
    this.failure = null;
    this.ignoredLogged = '';
    this.backoff.reset();
  }

  private schedule(delayMs: number): void {
    const due = this.deps.clock.now() + delayMs;
    if (this.timer && this.timerDueAt <= due) return;
    this.cancelTimer();
    this.timerDueAt = due;
    this.timer = this.deps.clock.setTimer(() => {
      this.timer = null;
      this.timerDueAt = Number.POSITIVE_INFINITY;
      void this.query();
    }, delayMs);
  }

  private cancelTimer(): void {
    this.timer?.cancel();
    this.timer = null;
    this.timerDueAt = Number.POSITIVE_INFINITY;
  }

  private async query(): Promise<void> {
    if (!this.running || this.inFlight) return;
    const generation = this.generation;
    this.inFlight = true;
    this.lastQueryAt = this.deps.clock.now();
    let outcome: LookupOutcome;
    try {
      outcome = await this.deps.lookup();
    } catch (error) {
      outcome = { kind: 'failure', name: this.deps.name, code: 'EUNKNOWN', message: String(error) };
    }
    if (generation !== this.generation) return; // destroyed meanwhile
    this.inFlight = false;
    const delay = this.handle(outcome);
    if (this.running) this.schedule(delay);
  }

  /** Applies one lookup outcome; returns the delay until the next query. */
  private handle(outcome: LookupOutcome): number {
    const now = this.deps.clock.now();
    const { options, logger, name, server } = this.deps;
    if (outcome.kind === 'failure') return this.handleFailure(outcome, now);
    if (this.failure) {
      const seconds = ((now - this.failure.since) / MS_PER_SECOND).toFixed(1);
      logger.info(
        `DNS for ${name} via ${server} recovered after ${this.failure.count} failed queries over ${seconds}s`,
      );
      this.deps.onObservation?.({
        kind: 'recovered',
        failedQueries: this.failure.count,
        downForMs: now - this.failure.since,
      });
      this.failure = null;
    }
    this.backoff.reset();
    if (outcome.kind === 'empty') {
      const message = `DNS name ${outcome.names.join(', ')} has no endpoints (${outcome.reason} from ${server})`;
      if (this.lastGood?.key !== EMPTY_KEY + message) logger.warn(`${message}; calls fail with UNAVAILABLE`);
      this.lastGood = { endpoints: [], key: EMPTY_KEY + message, at: now, message };
      this.deps.onObservation?.({ kind: 'empty' });
      this.report({ kind: 'empty', message }, this.lastGood.key);
      return nextPollDelay(options, undefined, this.deps.random);
    }
    const ignored = outcome.ignored.join(', ');
    if (ignored !== this.ignoredLogged) {
      if (ignored) logger.warn(`DNS answer for ${outcome.name} held unusable records, ignored: ${ignored}`);
      this.ignoredLogged = ignored;
    }
    const note = `${outcome.endpoints.length} endpoint(s) from ${outcome.name} via ${server}`;
    this.lastGood = { endpoints: outcome.endpoints, key: outcome.key, at: now, message: note };
    this.deps.onObservation?.({ kind: 'answer', endpoints: outcome.endpoints.length });
    this.report({ kind: 'endpoints', endpoints: outcome.endpoints, note }, outcome.key);
    return nextPollDelay(options, outcome.ttlSeconds, this.deps.random);
  }

  private handleFailure(outcome: Extract<LookupOutcome, { kind: 'failure' }>, now: number): number {
    const { options, logger, server } = this.deps;
    const what = `DNS lookup of ${outcome.name} via ${server} failed (${outcome.code}: ${outcome.message})`;
    const good = this.lastGood;
    this.deps.onObservation?.({
      kind: 'failure',
      error: `${outcome.code}: ${outcome.message}`,
      first: !this.failure,
      keptEndpoints: good?.endpoints.length ?? 0,
    });
    if (!this.failure) {
      this.failure = { since: now, count: 0 };
      const kept = good
        ? `keeping the ${good.endpoints.length} endpoint(s) of the last good answer`
        : 'no endpoints known yet';
      logger.warn(`${what}; ${kept}; retrying with back-off (logged once until it recovers)`);
    } else {
      logger.debug(`${what} (failure ${this.failure.count + 1} in a row)`);
    }
    this.failure.count++;
    if (!good) {
      this.report({ kind: 'error', message: what }, ERROR_KEY + outcome.code);
    } else if (options.maxStalenessMs > 0 && now - good.at > options.maxStalenessMs) {
      const message = `${what}; the last good answer is older than the maximum staleness (${options.maxStalenessMs} ms), so its endpoints were dropped`;
      if (this.lastReportedKey !== STALE_KEY) logger.warn(message);
      this.report({ kind: 'empty', message }, STALE_KEY);
    } else if (this.answerOwed) {
      // Answer with what we know, so the channel stops backing off its requests.
      this.report(
        good.endpoints.length > 0
          ? { kind: 'endpoints', endpoints: good.endpoints, note: `${good.message} (kept: ${what})` }
          : { kind: 'empty', message: good.message },
        good.key,
      );
    }
    return this.backoff.next();
  }

  private report(resolution: Resolution, key: string): void {
    const owed = this.answerOwed;
    this.answerOwed = false;
    if (key === this.lastReportedKey && !owed) return;
    this.lastReportedKey = key;
    this.deps.onResolution(resolution);
  }
}
