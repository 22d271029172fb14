// What the endpoints of one channel share in thick_p2c's load measure: the typical latency, the
// last answer read, and the latency floor (twice the fastest endpoint's estimate).
import type { LoadSettings } from './load-settings.js';

/** An endpoint's latency estimate in ms for the floor (undefined while it has none to offer). */
export interface Estimated {
  floorEstimate(now: number): number | undefined;
}

/**
 * Latency estimates under this multiple of the fastest candidate's count as that multiple: among
 * pods within 2× (3× with the cost tolerance) of the fastest, the calls in flight decide, as in
 * least-request; a pod far slower (a pause, a stall, a slow node) is still avoided. Without it, a
 * pod a little slower because it is cold (its JIT, its caches) got fewer calls, stayed cold, and was
 * starved: equal pods split 5.8× in the simulation with cold starts (now ≤ 1.2).
 */
const FASTEST_LATENCY_FLOOR = 2;

/** How often the fastest candidate's latency is looked up again (an O(n) scan, so not per pick). */
const FLOOR_REFRESH_MS = 100;

/**
 * The channel's typical latency: a plain EWMA of every endpoint's samples, starting at the default
 * latency. An endpoint that has not answered yet is assumed to be this fast (or to cost the latency
 * floor, twice the fastest estimate, whichever is less), so a new pod gets its first call at once
 * instead of waiting for the peers' estimates to grow past a fixed guess (with Linkerd's 30 ms
 * against 1 ms pods, a newcomer would get nothing for half a minute). It also keeps the lowest
 * estimate an answer left since the latency floor last looked, so the floor follows a faster pod
 * down at once (see LatencyFloor).
 */
export class ChannelLatency {
  private latencyMs: number;
  private measured = false;
  private updatedAt = 0;
  private lowestMs = Number.POSITIVE_INFINITY;
  private heardMs = Number.NEGATIVE_INFINITY;

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

  /** An answer was read from a server: the client is reading its connections at `now`. */
  heard(now: number): void {
    this.heardMs = now;
  }

  /** When an answer was last read from a server, on any endpoint (not a local deadline or cancel). */
  get heardAt(): number {
    return this.heardMs;
  }

  /** An endpoint's estimate after an answer. */
  estimated(estimateMs: number): void {
    if (estimateMs < this.lowestMs) this.lowestMs = estimateMs;
  }

  /** The floor scanned the endpoints: their fastest estimate is the lowest from now on. */
  resetLowest(fastestMs: number): void {
    this.lowestMs = fastestMs;
  }

  /** The lowest estimate since the floor's last scan. */
  get lowest(): number {
    return this.lowestMs;
  }
}

/**
 * The latency floor of a set of endpoints (FASTEST_LATENCY_FLOOR × the fastest estimate among them):
 * O(1) per pick, amortized. The fastest, not an average: slow pods must not raise the floor and hide
 * themselves. It rises only when rescanned (every FLOOR_REFRESH_MS), and falls at once when an answer
 * leaves an estimate under it: otherwise, when the first answer of a channel came from a slow pod,
 * the floor stayed that high for the first 100 ms and the slow pod shared calls evenly meanwhile.
 */
export class LatencyFloor {
  /** Infinity while no candidate has answered: no floor. */
  private floorMs = Number.POSITIVE_INFINITY;
  private refreshedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly loads: readonly Estimated[],
    private readonly channel: ChannelLatency,
  ) {}

  at(now: number): number {
    if (now - this.refreshedAt < FLOOR_REFRESH_MS) {
      this.floorMs = Math.min(this.floorMs, FASTEST_LATENCY_FLOOR * this.channel.lowest);
      return Number.isFinite(this.floorMs) ? this.floorMs : 0;
    }
    this.refreshedAt = now;
    let fastest = Number.POSITIVE_INFINITY;
    for (const load of this.loads) {
      const estimate = load.floorEstimate(now);
      if (estimate !== undefined && estimate < fastest) fastest = estimate;
    }
    this.channel.resetLowest(fastest);
    this.floorMs = FASTEST_LATENCY_FLOOR * fastest;
    return Number.isFinite(this.floorMs) ? this.floorMs : 0;
  }
}
