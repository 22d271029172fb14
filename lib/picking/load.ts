import { LOAD_TRACKING } from '../config/defaults.js';

/** How an endpoint's load is measured (thick_p2c's `load_metric`). */
export interface LoadSettings {
  readonly metric: 'peak_ewma' | 'least_request';
  readonly defaultLatencyMs: number;
  readonly decayMs: number;
  readonly failurePenalty: number;
}

/**
 * Cost of an unmeasured endpoint that already has calls in flight (Finagle's penalty): above any
 * measured cost, so a newcomer gets one call at a time until it has answered once, yet still ordered
 * by its calls in flight.
 */
const UNMEASURED_PENALTY = 2 ** 40;

/**
 * The channel's typical latency: a plain EWMA of every endpoint's samples, starting at the default
 * latency. An endpoint that has not answered yet is assumed to be this fast, so a new pod gets its
 * first call at once instead of waiting for the peers' estimates to grow past a fixed guess (with
 * Linkerd's 30 ms against 1 ms pods, a newcomer would get nothing for half a minute).
 */
export class TypicalLatency {
  private latencyMs: number;
  private measured = false;
  private updatedAt = 0;

  constructor(private settings: LoadSettings) {
    this.latencyMs = settings.defaultLatencyMs;
  }

  update(settings: LoadSettings): void {
    this.settings = settings;
    if (!this.measured) this.latencyMs = settings.defaultLatencyMs;
  }

  observe(now: number, latencyMs: number): void {
    if (!this.measured) {
      this.latencyMs = latencyMs;
      this.measured = true;
    } else {
      const w = Math.exp(-Math.max(0, now - this.updatedAt) / this.settings.decayMs);
      this.latencyMs = this.latencyMs * w + latencyMs * (1 - w);
    }
    this.updatedAt = now;
  }

  get ms(): number {
    return this.latencyMs;
  }
}

/**
 * One endpoint's load: calls in flight counted from the pick (a burst of picks sees the ones before
 * it), and for peak_ewma a latency estimate that jumps up to a slower sample at once and decays
 * towards faster ones (and towards 0 while idle, so an endpoint that was slow is tried again).
 * O(1) per operation and allocation-free.
 */
export class EndpointLoad {
  /** Calls started and not ended. */
  private inFlight = 0;
  /** Pick times of calls picked but not started yet: a ring buffer. */
  private readonly unstarted = new Float64Array(LOAD_TRACKING.unstartedCapacity);
  private head = 0;
  private size = 0;
  private latencyMs = 0;
  private measured = false;
  private updatedAt: number;
  /** The last successful samples (a ring) and a scratch copy for their median: no allocation. */
  private readonly samples = new Float64Array(LOAD_TRACKING.sampleWindow);
  private readonly scratch = new Float64Array(LOAD_TRACKING.sampleWindow);
  private sampleCount = 0;
  private sampleNext = 0;

  constructor(
    private settings: LoadSettings,
    private readonly typical: TypicalLatency,
    now: number,
  ) {
    this.updatedAt = now;
  }

  update(settings: LoadSettings): void {
    this.settings = settings;
  }

  /** The picker chose this endpoint for a call. */
  picked(now: number): void {
    if (this.size === this.unstarted.length) {
      // Full: the oldest pick is assumed started.
      this.head = (this.head + 1) % this.unstarted.length;
      this.size -= 1;
      this.inFlight += 1;
    }
    this.unstarted[(this.head + this.size) % this.unstarted.length] = now;
    this.size += 1;
  }

  /** A picked call started (grpc-js's onCallStarted). */
  started(): void {
    if (this.size > 0) {
      this.head = (this.head + 1) % this.unstarted.length;
      this.size -= 1;
    }
    this.inFlight += 1;
  }

  /**
   * A started call ended after `latencyMs` (from its pick). `sample`: false for a call the client
   * cancelled (no news about the endpoint); `failed`: the endpoint failed it.
   */
  ended(now: number, latencyMs: number, sample: boolean, failed: boolean): void {
    if (this.inFlight > 0) this.inFlight -= 1;
    if (!sample || this.settings.metric !== 'peak_ewma') return;
    if (failed) {
      const current = this.measured ? this.latencyMs : this.typical.ms;
      this.observe(
        now,
        Math.min(Math.max(latencyMs, current * this.settings.failurePenalty), LOAD_TRACKING.maxLatencyMs),
      );
      return;
    }
    this.typical.observe(now, latencyMs);
    this.observe(now, Math.min(this.filtered(latencyMs), LOAD_TRACKING.maxLatencyMs));
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

  /** The load to compare: lower is better. */
  cost(now: number): number {
    const pending = this.pending(now);
    if (this.settings.metric === 'least_request') return pending;
    if (!this.measured) return pending === 0 ? this.typical.ms : UNMEASURED_PENALTY + pending;
    this.decay(now);
    return this.latencyMs * (pending + 1);
  }

  /** The latency estimate in ms (undefined before the first answer); for tests and metrics. */
  estimate(now: number): number | undefined {
    if (!this.measured) return undefined;
    this.decay(now);
    return this.latencyMs;
  }

  /** Adds a success to the window; returns the window's median (the lower middle of an even count). */
  private filtered(latencyMs: number): number {
    const size = this.samples.length;
    this.samples[this.sampleNext] = latencyMs;
    this.sampleNext = (this.sampleNext + 1) % size;
    if (this.sampleCount < size) this.sampleCount += 1;
    const n = this.sampleCount;
    const a = this.scratch;
    // Insertion sort of at most a handful of numbers.
    for (let i = 0; i < n; i++) {
      const v = this.samples[i]!;
      let j = i - 1;
      while (j >= 0 && a[j]! > v) {
        a[j + 1] = a[j]!;
        j--;
      }
      a[j + 1] = v;
    }
    return a[(n - 1) >> 1]!;
  }

  private observe(now: number, latencyMs: number): void {
    if (!this.measured || latencyMs > this.latencyMs) {
      this.latencyMs = latencyMs; // peak: a slower sample replaces the estimate at once
      this.measured = true;
    } else {
      const w = Math.exp(-(now - this.updatedAt) / this.settings.decayMs);
      this.latencyMs = this.latencyMs * w + latencyMs * (1 - w);
    }
    this.updatedAt = now;
  }

  /** Decays the estimate towards 0 for the time since it was last updated (tower's PeakEwma). */
  private decay(now: number): void {
    if (now <= this.updatedAt) return;
    this.latencyMs *= Math.exp(-(now - this.updatedAt) / this.settings.decayMs);
    this.updatedAt = now;
  }
}
