import { LOAD_TRACKING } from '../config/defaults.js';
import type { ChannelLatency } from './channel-latency.js';
import type { LoadSettings } from './load-settings.js';

/**
 * Cost of an unmeasured endpoint that already has calls in flight (Finagle's penalty): above any
 * measured cost, so a newcomer gets one call at a time until it has answered once, yet still ordered
 * by its calls in flight.
 */
const UNMEASURED_PENALTY = 2 ** 40;

/**
 * A peak fades 300 times faster than the average moves (33 ms with the default decay): a pause
 * steers calls away for a moment, a pod that stays slow keeps a high average. With a single
 * peak-EWMA (tower, Finagle) every late answer held for the whole decay time, and equal pods looked
 * unequal most of the time; with 100 ms, one late answer (a scheduling hiccup, not the pod) still
 * cost its pod ~10 calls, which spread equal pods by 1.18 (max/min) in the simulation
 * (test/helpers/p2c-sim.ts) against 1.11 now and 1.07 for pure chance.
 */
const PEAK_DECAY_DIVISOR = 300;

/**
 * While an endpoint gets no answers its average fades three times faster than answers move it
 * (3.3 s with the default decay): an endpoint that looked slow (a pause now over) gets a call again
 * within seconds instead of a whole decay time; one that is still slow answers slowly and is
 * avoided again. Each such probe of a slow pod is a slow call: at 10× faster (1 s), a pod 50 ms
 * slower than 1 ms pods was probed every 2.4 s, and the simulation's slow pod got 0.17 % of calls
 * on a quiet machine against 0.04 % at 3× (cold starts are the latency floor's, see LatencyFloor,
 * and the second opinion's below).
 */
const IDLE_DECAY_DIVISOR = 3;

/**
 * After an endpoint's first answer, its average fades ten times faster still (333 ms): a new pod's
 * first answer is often cold (its JIT, its new connection: 12-35 ms against 2 ms on the bed), and
 * the second opinion comes within a second instead of after 3-6 s without calls, which left a pod
 * that started cold with up to 40 % fewer calls than its peers over 10 s (now ≤ 1.21 max/min). A pod
 * that is really slow costs one more slow call: in the simulation the slow pod's share went from
 * 0.04-0.08 % to 0.08-0.13 % of calls (quiet machine); waiting for three answers cost it two or
 * three more, and bought nothing measurable. A single answer does not count in the latency floor.
 */
const SECOND_OPINION_ANSWERS = 2;
const SECOND_OPINION_DIVISOR = 30;

/**
 * A warm-up answer under this fraction of the pod's fastest so far means it is warming up (35 ms,
 * 12 ms, 2 ms on the bed): it gets the next opinion as soon as after its first answer. A slow pod
 * answers alike each time and fades at the usual pace from its second answer.
 */
const WARMING_FACTOR = 0.5;

/** How much slower than the average an answer must be to count as a peak. */
const PEAK_FACTOR = 4;

/** Answers of a new endpoint that count in its peak but not in its average (see observe()). */
const WARM_UP_ANSWERS = 5;

/**
 * Room for picks not yet started, at first: a pick usually starts within the same event-loop turn,
 * so a few suffice; it doubles up to LOAD_TRACKING.unstartedCapacity when a burst needs more (256
 * from the start cost 2 KB per endpoint, 2 MB at 1000 endpoints).
 */
const INITIAL_UNSTARTED_CAPACITY = 4;

/** The average moves at least 1/10 of the way to each answer, however close together they come. */
const AVERAGE_MEMORY_ANSWERS = 10;

/** One answer moves the average at most as if it were twice the average: a late answer is a peak. */
const AVERAGE_CAP_FACTOR = 2;

/**
 * Every answer above the cap for half a second (decay / 20) and at least 3 answers: the pod's
 * latency has changed (not a pause of 20-100 ms), and the average becomes the fastest of them.
 */
const SLOW_SHIFT_DIVISOR = 20;
const SLOW_SHIFT_ANSWERS = 3;

/**
 * One endpoint's load: calls in flight counted from the pick (a burst of picks sees the ones before
 * it), and for peak_ewma a latency estimate: the highest of the average of the answers, a recent
 * peak (an answer far above the average) and the cost a failure set, each fading towards 0 while
 * no answer comes (so an endpoint that was slow is tried again). O(1) per operation; no object,
 * array or closure is allocated (only V8's boxes for doubles crossing calls it did not inline).
 */
export class EndpointLoad {
  /** Calls started and not ended. */
  private inFlight = 0;
  /** Pick times of calls picked but not started yet: a ring buffer. */
  private unstarted = new Float64Array(INITIAL_UNSTARTED_CAPACITY);
  private head = 0;
  private size = 0;
  /** The average of the answers (EWMA with the decay time constant), as of `sampledAt`. */
  private averageMs = 0;
  private sampledAt: number;
  /** The slowest recent answer, fading with the peak time constant, as of `peakAt`. */
  private peakMs = 0;
  private peakAt: number;
  /** The cost a failure set, fading with the decay time constant, as of `failureAt`. */
  private failureMs = 0;
  private failureAt = 0;
  private measured = false;
  /** Answers averaged so far (for the running-mean start of the average). */
  private answers = 0;
  /** Its last warm-up answer was far faster than the ones before (see WARMING_FACTOR). */
  private warming = false;
  /** Timed calls (not streams) in flight, and a lower bound on when the oldest of them started. */
  private timedOut = 0;
  /** Since when every answer has been above the average's cap (null: the last one was not), how many, the fastest. */
  private slowSince: number | null = null;
  private slowAnswers = 0;
  private slowFastestMs = 0;
  private oldestAt = 0;
  /**
   * In the current picker's candidates (set by the policy when it builds one): only those move the
   * latency floor. A draining or ejected endpoint still ends calls picked earlier.
   */
  candidate = true;

  constructor(
    private settings: LoadSettings,
    private readonly channel: ChannelLatency,
    now: number,
  ) {
    this.sampledAt = now;
    this.peakAt = now;
  }

  update(settings: LoadSettings): void {
    this.settings = settings;
  }

  /** The picker chose this endpoint for a call. */
  picked(now: number): void {
    if (this.size === this.unstarted.length && this.size < LOAD_TRACKING.unstartedCapacity) this.grow();
    if (this.size === this.unstarted.length) {
      // Full: the oldest pick is assumed started.
      this.head = (this.head + 1) % this.unstarted.length;
      this.size -= 1;
      this.inFlight += 1;
    }
    this.unstarted[(this.head + this.size) % this.unstarted.length] = now;
    this.size += 1;
  }

  /** Twice the room, oldest pick first (rare: only while many picks wait to start at once). */
  private grow(): void {
    const next = new Float64Array(Math.min(2 * this.unstarted.length, LOAD_TRACKING.unstartedCapacity));
    for (let i = 0; i < this.size; i++) next[i] = this.unstarted[(this.head + i) % this.unstarted.length]!;
    this.unstarted = next;
    this.head = 0;
  }

  /** A picked call started (grpc-js's onCallStarted); `timed`: its length will be a latency (not a stream). */
  started(now: number, timed: boolean): void {
    if (this.size > 0) {
      this.head = (this.head + 1) % this.unstarted.length;
      this.size -= 1;
    }
    this.inFlight += 1;
    if (timed) {
      if (this.timedOut === 0) this.oldestAt = now;
      this.timedOut += 1;
    }
  }

  /**
   * A started call ended after `latencyMs` (from its pick). `sample`: false for a call the client
   * cancelled (no news about the endpoint); `failed`: the endpoint failed it.
   */
  ended(
    now: number,
    latencyMs: number,
    sample: boolean,
    failed: boolean,
    timed = sample,
    /** The end came from the server (not a local deadline or cancel): the client is reading answers. */
    heard = sample,
  ): void {
    if (this.inFlight > 0) this.inFlight -= 1;
    if (heard) this.channel.heard(now);
    if (timed && this.timedOut > 0) {
      this.timedOut -= 1;
      // The calls still out started before now, by how much is not kept (O(1)): counting their age
      // from now keeps it a lower bound.
      this.oldestAt = now;
    }
    if (!sample || this.settings.metric !== 'peak_ewma') return;
    if (failed) {
      // Never noise: a failure holds the endpoint's cost up for the whole decay time, and each one
      // multiplies it, so a pod answering errors fast looks slow instead of fast.
      const current = this.measured ? this.level(now) : this.channel.ms;
      this.failureMs = Math.min(
        Math.max(latencyMs, current * this.settings.failurePenalty),
        LOAD_TRACKING.maxLatencyMs,
      );
      this.failureAt = now;
      this.measured = true;
      return;
    }
    this.channel.observe(now, latencyMs);
    this.observe(now, Math.min(latencyMs, LOAD_TRACKING.maxLatencyMs));
    if (this.candidate && !this.awaitsOpinion()) this.channel.estimated(this.level(now));
  }

  /** Calls in flight, picks not yet started included. */
  pending(now: number): number {
    const expiry = now - LOAD_TRACKING.unstartedExpiryMs;
    while (this.size > 0 && this.unstarted[this.head]! < expiry) {
      this.head = (this.head + 1) % this.unstarted.length;
      this.size -= 1;
    }
    return this.inFlight + this.size;
  }

  /**
   * The load to compare: lower is better. `floorMs` (see LatencyFloor): a latency estimate under it
   * counts as it, so among pods that close the calls in flight decide.
   */
  cost(now: number, floorMs = 0): number {
    const pending = this.pending(now);
    if (this.settings.metric === 'least_request') return pending;
    if (!this.measured) {
      if (pending > 0) return UNMEASURED_PENALTY + pending;
      // One slow answer (the first call of a channel may go to the slow pod) must not make the
      // typical latency, and so every newcomer, look slower than the fastest.
      return floorMs > 0 ? Math.min(this.channel.ms, floorMs) : this.channel.ms;
    }
    // A call out for longer than the estimate proves the endpoint at least that slow now: a pod
    // that stalls is avoided from its first late call, not from the first deadline that expires.
    // Only until the last answer the client read from any endpoint: after a pause of the client
    // itself (a GC, a busy turn), picks run before the answers that came meanwhile are read, and
    // every endpoint's calls would look late at once (the one idle endpoint, often a slow pod
    // that is avoided, would win them).
    const age = this.timedOut > 0 ? Math.max(0, Math.min(now, this.channel.heardAt) - this.oldestAt) : 0;
    return Math.max(this.level(now), age, floorMs) * (pending + 1);
  }

  /** The latency estimate in ms (undefined before the first answer); for tests and metrics. */
  estimate(now: number): number | undefined {
    return this.measured ? this.level(now) : undefined;
  }

  /**
   * The estimate the latency floor may rest on: none before a second answer, since after one the
   * average fades in 333 ms (the second opinion) and would drag the floor towards 0.
   */
  floorEstimate(now: number): number | undefined {
    return this.awaitsOpinion() ? undefined : this.level(now);
  }

  /** One answer so far, or warming up: its average fades fast and the floor does not rest on it. */
  private awaitsOpinion(): boolean {
    return this.answers < SECOND_OPINION_ANSWERS || (this.warming && this.answers <= WARM_UP_ANSWERS);
  }

  /**
   * The estimate now: the recent peak or the average, whichever is higher, both fading towards 0
   * while no answer comes (so an endpoint that was slow is tried again, as tower's PeakEwma does).
   */
  private level(now: number): number {
    const { decayMs } = this.settings;
    const average =
      this.averageMs *
      Math.exp(
        -Math.max(0, now - this.sampledAt) /
          (decayMs / (this.awaitsOpinion() ? SECOND_OPINION_DIVISOR : IDLE_DECAY_DIVISOR)),
      );
    const peak = this.peakMs * Math.exp(-Math.max(0, now - this.peakAt) / (decayMs / PEAK_DECAY_DIVISOR));
    const failure = this.failureMs * Math.exp(-Math.max(0, now - this.failureAt) / decayMs);
    return Math.max(average, peak, failure);
  }

  private observe(now: number, latencyMs: number): void {
    const { decayMs } = this.settings;
    this.measured = true;
    this.answers += 1;
    // Judged against the average before this answer moves it.
    const outlier = this.answers <= WARM_UP_ANSWERS || latencyMs > PEAK_FACTOR * this.averageMs;
    // The first answers of a new connection are cold (HTTP/2 windows, the server's JIT): meanwhile
    // the fastest of them stands for the average (a cold answer is never faster than a warm one),
    // so a pod that started cold is not avoided for a whole decay, and a slow one is avoided at once.
    if (this.answers <= WARM_UP_ANSWERS) {
      this.warming = this.answers > 1 && latencyMs < WARMING_FACTOR * this.averageMs;
      this.averageMs = this.answers === 1 ? latencyMs : Math.min(this.averageMs, latencyMs);
      this.sampledAt = now;
    } else {
      this.updateAverage(now, latencyMs);
    }
    // Peak: an answer far slower than the pod's average raises the estimate at once. Ordinary
    // jitter (an answer 1.5× the average) must not: it would keep every pod's estimate on its
    // recent maximum and rank equal pods by chance.
    const peakNow = this.peakMs * Math.exp(-Math.max(0, now - this.peakAt) / (decayMs / PEAK_DECAY_DIVISOR));
    this.peakMs = outlier ? Math.max(latencyMs, peakNow) : peakNow;
    this.peakAt = now;
  }

  /**
   * The average resists what a busy machine does to single answers and follows what a pod really
   * does. In the simulation with pods that pause (test/helpers/p2c-sim.ts), an average that took
   * every late answer in left a paused pod looking slow, and starved of the answers that would
   * correct it, for tens of seconds (equal pods split up to 2.2×; now ≤ 1.3).
   */
  private updateAverage(now: number, latencyMs: number): void {
    const { decayMs } = this.settings;
    // Time-weighted as Linkerd's EWMA, but never less than one answer in AVERAGE_MEMORY_ANSWERS (the
    // running mean at first, warm-up answers included), so a pod that gets few calls still
    // converges within a few answers.
    const weight = Math.max(
      1 - Math.exp(-Math.max(0, now - this.sampledAt) / decayMs),
      1 / Math.min(this.answers, AVERAGE_MEMORY_ANSWERS),
    );
    this.sampledAt = now;
    const cap = AVERAGE_CAP_FACTOR * this.averageMs;
    if (latencyMs <= cap) {
      this.slowSince = null;
      this.averageMs += (latencyMs - this.averageMs) * weight;
      return;
    }
    // Above the cap: a late answer moves the average as if it were at the cap (it is a peak), unless
    // every answer has been above the cap for long enough to be the pod's new latency.
    if (this.slowSince === null) {
      this.slowSince = now;
      this.slowAnswers = 0;
      this.slowFastestMs = latencyMs;
    }
    this.slowAnswers += 1;
    this.slowFastestMs = Math.min(this.slowFastestMs, latencyMs);
    if (this.slowAnswers >= SLOW_SHIFT_ANSWERS && now - this.slowSince >= decayMs / SLOW_SHIFT_DIVISOR) {
      this.averageMs = this.slowFastestMs;
      this.slowSince = null;
    } else {
      this.averageMs += (cap - this.averageMs) * weight;
    }
  }
}
