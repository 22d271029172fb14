// An open-loop load generator: calls are sent on a fixed schedule whatever the previous ones do,
// so a stalled pod shows up as latency and failures instead of silently lowering the rate.
import { performance } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';

export const LOAD_DEFAULTS = Object.freeze({
  maxInFlight: 1000,
  samplesPerCode: 3,
  /** stop() waits this long past the deadline for calls whose function ignores it. */
  stopGraceMs: 5000,
  maxRecords: 1_000_000,
});

export interface LoadCallContext {
  /** Aborted when the deadline passes. */
  readonly signal: AbortSignal;
  /** Date.now() + deadlineMs at send time. */
  readonly deadline: number;
  readonly deadlineMs: number;
  /** 0, 1, 2, ... in schedule order. */
  readonly sequence: number;
}

export type LoadCall = (context: LoadCallContext) => Promise<{ readonly pod: string }>;

export interface LoadStartOptions {
  readonly ratePerSecond: number;
  readonly deadlineMs: number;
  /** Stop sending after this long (then `done` resolves once in-flight calls finish). */
  readonly durationMs?: number;
  /** Stop sending after this many calls. */
  readonly maxCalls?: number;
  /** Calls due while this many are in flight are skipped (counted in `skipped`). */
  readonly maxInFlight?: number;
}

export interface LoadCallRecord {
  readonly sequence: number;
  /** Date.now() at the scheduled send time. */
  readonly scheduledAt: number;
  readonly completedAt: number;
  readonly latencyMs: number;
  readonly pod?: string;
  /** Failure outcome: grpc status name ('UNAVAILABLE', ...), an error code, or 'ERROR'. */
  readonly code?: string;
  /** A failure after the server's response headers (see EchoCallError): a committed call. */
  readonly responseStarted?: true;
}

export interface PodLoadStats {
  readonly calls: number;
  readonly firstAt: number;
  readonly lastAt: number;
}

export interface LoadResults {
  /** Calls finished (successes + failures). */
  readonly total: number;
  readonly sent: number;
  readonly inFlight: number;
  readonly skipped: number;
  readonly successes: number;
  readonly failures: number;
  /**
   * Failures of committed calls, counted in `failures` too: the server had sent its response
   * headers (a pod killed between its headers and its status), so no client may retry them (gRFC A6).
   */
  readonly committedFailures: number;
  readonly failuresByCode: Readonly<
    Record<string, { readonly count: number; readonly samples: readonly string[] }>
  >;
  readonly perPod: Readonly<Record<string, PodLoadStats>>;
  /** From the scheduled send time to completion, over all finished calls; null before any. */
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number } | null;
  readonly startedAt: number | undefined;
  readonly stoppedAt: number | undefined;
  readonly records: readonly LoadCallRecord[];
}

/** The name of a failure: grpc status name for grpc errors, else the error's code, else 'ERROR'. */
export function failureCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'number') return grpc.status[code] ?? String(code);
  if (typeof code === 'string') return code;
  return 'ERROR';
}

function percentile(sorted: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? Number.NaN;
}

export class LoadGenerator {
  private readonly fn: LoadCall;
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private records: LoadCallRecord[] = [];
  private failureSamples = new Map<string, { count: number; samples: string[] }>();
  private perPod = new Map<string, { calls: number; firstAt: number; lastAt: number }>();
  private sent = 0;
  private skipped = 0;
  private startedAt: number | undefined;
  private stoppedAt: number | undefined;
  private finished: Promise<LoadResults> | undefined;
  private resolveFinished: ((results: LoadResults) => void) | undefined;

  constructor(call: LoadCall) {
    this.fn = call;
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  /** Resolves when a durationMs/maxCalls run ended and its calls finished, or after stop(). */
  get done(): Promise<LoadResults> {
    return this.finished ?? Promise.resolve(this.results());
  }

  start(options: LoadStartOptions): void {
    if (this.running) throw new Error('load generator already running');
    if (!(options.ratePerSecond > 0) || !(options.deadlineMs > 0)) {
      throw new Error('ratePerSecond and deadlineMs must be positive');
    }
    this.reset();
    const intervalMs = 1000 / options.ratePerSecond;
    const maxInFlight = options.maxInFlight ?? LOAD_DEFAULTS.maxInFlight;
    const t0 = performance.now();
    const wall0 = Date.now();
    this.startedAt = wall0;
    this.finished = new Promise((resolve) => {
      this.resolveFinished = resolve;
    });
    let scheduled = 0;
    const tick = (): void => {
      const now = performance.now();
      const due = Math.floor((now - t0) / intervalMs) + 1;
      while (scheduled < due) {
        const offset = scheduled * intervalMs;
        if (options.durationMs !== undefined && offset >= options.durationMs) break;
        if (options.maxCalls !== undefined && scheduled >= options.maxCalls) break;
        const sequence = scheduled++;
        if (this.inFlight.size >= maxInFlight) {
          this.skipped++;
          continue;
        }
        this.issue(sequence, t0 + offset, wall0 + offset, options.deadlineMs);
      }
      const exhausted =
        (options.durationMs !== undefined && scheduled * intervalMs >= options.durationMs) ||
        (options.maxCalls !== undefined && scheduled >= options.maxCalls);
      if (exhausted) void this.stop();
      // Woken for the next send, not on a fixed tick: as punctual (timers have 1 ms granularity
      // either way), without a thousand idle wake-ups a second competing with the pods for CPU.
      else this.timer = setTimeout(tick, Math.max(0, t0 + scheduled * intervalMs - performance.now()));
    };
    this.timer = setTimeout(tick, 0);
  }

  /** Stops sending and waits for in-flight calls (bounded); returns the results. */
  async stop(): Promise<LoadResults> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stoppedAt === undefined && this.startedAt !== undefined) {
      this.stoppedAt = Date.now();
      const pending = Promise.all(this.inFlight);
      let bound: NodeJS.Timeout | undefined;
      await Promise.race([
        pending,
        new Promise<void>((resolve) => {
          bound = setTimeout(resolve, LOAD_DEFAULTS.stopGraceMs);
        }),
      ]);
      clearTimeout(bound);
      this.resolveFinished?.(this.results());
    }
    return this.done;
  }

  results(): LoadResults {
    const latencies = this.records.map((r) => r.latencyMs).sort((a, b) => a - b);
    const successes = this.records.filter((r) => r.code === undefined).length;
    return {
      total: this.records.length,
      sent: this.sent,
      inFlight: this.inFlight.size,
      skipped: this.skipped,
      successes,
      failures: this.records.length - successes,
      committedFailures: this.records.filter((r) => r.responseStarted).length,
      failuresByCode: Object.fromEntries(
        [...this.failureSamples].map(([code, v]) => [code, { count: v.count, samples: [...v.samples] }]),
      ),
      perPod: Object.fromEntries([...this.perPod].map(([pod, v]) => [pod, { ...v }])),
      latencyMs:
        latencies.length === 0
          ? null
          : {
              p50: percentile(latencies, 50),
              p99: percentile(latencies, 99),
              max: latencies.at(-1) ?? Number.NaN,
            },
      startedAt: this.startedAt,
      stoppedAt: this.stoppedAt,
      records: [...this.records],
    };
  }

  private reset(): void {
    this.records = [];
    this.failureSamples = new Map();
    this.perPod = new Map();
    this.sent = 0;
    this.skipped = 0;
    this.startedAt = undefined;
    this.stoppedAt = undefined;
  }

  private issue(sequence: number, scheduledPerf: number, scheduledAt: number, deadlineMs: number): void {
    this.sent++;
    const controller = new AbortController();
    const abortTimer = setTimeout(() => controller.abort(), deadlineMs);
    const context: LoadCallContext = {
      signal: controller.signal,
      deadline: Date.now() + deadlineMs,
      deadlineMs,
      sequence,
    };
    const finish = (pod: string | undefined, error: unknown): void => {
      clearTimeout(abortTimer);
      const completedAt = Date.now();
      const latencyMs = performance.now() - scheduledPerf;
      const code = error === undefined ? undefined : failureCode(error);
      const committed = (error as { responseStarted?: unknown } | undefined)?.responseStarted === true;
      if (this.records.length < LOAD_DEFAULTS.maxRecords) {
        this.records.push({
          sequence,
          scheduledAt,
          completedAt,
          latencyMs,
          ...(pod === undefined ? {} : { pod }),
          ...(code === undefined ? {} : { code }),
          ...(committed ? { responseStarted: true as const } : {}),
        });
      }
      if (code !== undefined) {
        const entry = this.failureSamples.get(code) ?? { count: 0, samples: [] };
        entry.count++;
        if (entry.samples.length < LOAD_DEFAULTS.samplesPerCode) {
          entry.samples.push(error instanceof Error ? error.message : String(error));
        }
        this.failureSamples.set(code, entry);
      } else if (pod !== undefined) {
        const entry = this.perPod.get(pod);
        if (entry) {
          entry.calls++;
          entry.lastAt = completedAt;
        } else this.perPod.set(pod, { calls: 1, firstAt: completedAt, lastAt: completedAt });
      }
    };
    let call: Promise<{ readonly pod: string }>;
    try {
      call = this.fn(context);
    } catch (error) {
      call = Promise.reject(error);
    }
    const tracked = call.then(
      (reply) => finish(reply.pod, undefined),
      (error: unknown) => finish(undefined, error ?? new Error('rejected without a reason')),
    );
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }
}
