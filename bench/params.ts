// Every parameter of the benchmark, in one table: the full run and the CI-sized smoke run. Figures
// read their numbers from here only, so a reader sees at once what was measured and for how long.

export interface BenchParams {
  /**
   * Figures 1, 2, 3 and 6 repeat each measurement this often, configurations interleaved
   * (ABCD ABCD ...); figures 4 and 5, a fresh client process each time, have their own count.
   */
  readonly repetitions: number;
  /** Backends (bed pods) of figures 1, 2 and 6. */
  readonly backends: number;
  /** Deadline of every benchmark call: far above any latency seen, so it never shapes a result. */
  readonly callDeadlineMs: number;
  /** Figure 1: closed loop, `inFlight` calls always outstanding. */
  readonly closedLoop: { readonly inFlight: number; readonly warmupMs: number; readonly measureMs: number };
  /** Figure 2: open loop at a fixed rate, latency from the scheduled send time. */
  readonly openLoop: {
    readonly ratePerSecond: number;
    readonly warmupMs: number;
    readonly measureMs: number;
  };
  /** Figure 3: pure pickers, no sockets. */
  readonly pickCost: { readonly endpointCounts: readonly number[]; readonly picks: number };
  /** Figure 4: many endpoints in DNS, served by few processes on many loopback addresses. */
  readonly scale: {
    readonly repetitions: number;
    readonly endpoints: number;
    /** Backend processes serving the addresses of figures 4 and 5. */
    readonly hostProcesses: number;
    readonly pollIntervalMs: number;
    /** Polls with an unchanged answer over which the per-poll CPU is measured. */
    readonly unchangedPolls: number;
    readonly readyTimeoutMs: number;
  };
  /** Figure 5: one endpoint replaced in DNS at every poll (on figure 4's hosts). */
  readonly churn: {
    readonly repetitions: number;
    readonly endpoints: number;
    readonly pollIntervalMs: number;
    readonly updates: number;
    /**
     * How long to wait for the removed endpoints' connections to close: grpc-js's subchannel pool
     * closes an unused connection at its next sweep, every 10 s. 0: do not wait.
     */
    readonly closeWaitMs: number;
  };
  /**
   * Figure 6, the latency-aware issue's scenario: `backends` pods of their own, one answering
   * `delayMs` late from the start; open loop.
   */
  readonly slowPod: {
    readonly repetitions: number;
    readonly backends: number;
    readonly delayMs: number;
    readonly ratePerSecond: number;
    readonly warmupMs: number;
    readonly measureMs: number;
    /**
     * Figure 6b runs the same in a client process with this young generation (V8's
     * --max-semi-space-size, MB): its scavenges then pause it for 1.5-3.5 ms instead of 5-28 ms
     * on the project's 2-core VMs, and the p99 shows the policy, not the client's own GC.
     */
    readonly smallYoungGenerationMb: number;
  };
}

export const FULL_PARAMS: BenchParams = Object.freeze({
  repetitions: 5,
  backends: 3,
  callDeadlineMs: 10_000,
  closedLoop: { inFlight: 64, warmupMs: 1000, measureMs: 3000 },
  openLoop: { ratePerSecond: 2000, warmupMs: 1000, measureMs: 3000 },
  pickCost: { endpointCounts: [3, 100, 1000], picks: 5_000_000 },
  scale: {
    repetitions: 3,
    endpoints: 1000,
    hostProcesses: 4,
    pollIntervalMs: 250,
    // 8 s windows: the connected channels' own CPU (a few ms per second) varies by more than a poll costs.
    unchangedPolls: 32,
    readyTimeoutMs: 60_000,
  },
  churn: { repetitions: 3, endpoints: 100, pollIntervalMs: 250, updates: 12, closeWaitMs: 12_000 },
  // The scenario (5 pods, one 50 ms slower, 300 calls/s); 8 s measured so the p99 rests on
  // 24 calls, and a warm-up long enough for every pod to have answered and warmed.
  slowPod: {
    repetitions: 3,
    backends: 5,
    delayMs: 50,
    ratePerSecond: 300,
    warmupMs: 3000,
    measureMs: 8000,
    smallYoungGenerationMb: 2,
  },
});

/** A few seconds: proves the harness works end to end (every figure, every configuration), not speed. */
export const SMOKE_PARAMS: BenchParams = Object.freeze({
  repetitions: 2,
  backends: 3,
  callDeadlineMs: 10_000,
  closedLoop: { inFlight: 16, warmupMs: 50, measureMs: 200 },
  openLoop: { ratePerSecond: 400, warmupMs: 50, measureMs: 200 },
  pickCost: { endpointCounts: [3, 100, 1000], picks: 20_000 },
  scale: {
    repetitions: 1,
    endpoints: 20,
    hostProcesses: 1,
    pollIntervalMs: 100,
    unchangedPolls: 2,
    readyTimeoutMs: 15_000,
  },
  churn: { repetitions: 1, endpoints: 10, pollIntervalMs: 100, updates: 2, closeWaitMs: 0 },
  slowPod: {
    repetitions: 1,
    backends: 3,
    delayMs: 10,
    ratePerSecond: 200,
    warmupMs: 50,
    measureMs: 200,
    smallYoungGenerationMb: 2,
  },
});
