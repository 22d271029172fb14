// The two load shapes. Closed loop: a fixed number of calls always in flight, each sent when one
// ends (throughput). Open loop: calls sent on a fixed schedule whatever happens to earlier ones,
// latency counted from the scheduled send time, so a stall shows as latency instead of silently
// lowering the rate (no coordinated omission).
import { performance } from 'node:perf_hooks';
import type { LatencyHistogram } from '../stats.js';
import type { Caller } from './caller.js';

export interface LoopResult {
  /** Calls finished (answered or failed). */
  readonly calls: number;
  readonly errors: number;
  /** First error message seen, to say why a configuration failed. */
  readonly firstError: string | undefined;
  readonly elapsedMs: number;
  /** Client process CPU (user + system) over the run, µs. */
  readonly cpuUs: number;
}

export interface OpenLoopResult extends LoopResult {
  /** How late the harness sent calls, ms: a p99 near the tick says the scheduler kept up. */
  readonly sendLagP99Ms: number;
}

function cpuSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return d.user + d.system;
}

export function closedLoop(
  caller: Caller,
  inFlight: number,
  durationMs: number,
  histogram: LatencyHistogram,
): Promise<LoopResult> {
  return new Promise((resolve) => {
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    const end = t0 + durationMs;
    let calls = 0;
    let errors = 0;
    let firstError: string | undefined;
    let running = inFlight;
    const next = (): void => {
      const sent = performance.now();
      if (sent >= end) {
        if (--running === 0) {
          resolve({ calls, errors, firstError, elapsedMs: performance.now() - t0, cpuUs: cpuSince(cpu) });
        }
        return;
      }
      caller.call((error) => {
        histogram.recordMs(performance.now() - sent);
        calls++;
        if (error) {
          errors++;
          firstError ??= error.message;
        }
        next();
      });
    };
    for (let i = 0; i < inFlight; i++) next();
  });
}

export function openLoop(
  caller: Caller,
  ratePerSecond: number,
  durationMs: number,
  histogram: LatencyHistogram,
  sendLag: LatencyHistogram,
): Promise<OpenLoopResult> {
  return new Promise((resolve) => {
    const cpu = process.cpuUsage();
    const intervalMs = 1000 / ratePerSecond;
    const total = Math.floor(durationMs / intervalMs);
    const t0 = performance.now();
    let sent = 0;
    let calls = 0;
    let errors = 0;
    let firstError: string | undefined;
    const finish = (): void => {
      if (calls < total) return;
      resolve({
        calls,
        errors,
        firstError,
        elapsedMs: performance.now() - t0,
        cpuUs: cpuSince(cpu),
        sendLagP99Ms: sendLag.percentileMs(99),
      });
    };
    const tick = (): void => {
      const now = performance.now();
      while (sent < total && t0 + sent * intervalMs <= now) {
        const scheduled = t0 + sent * intervalMs;
        sent++;
        sendLag.recordMs(now - scheduled);
        caller.call((error) => {
          histogram.recordMs(performance.now() - scheduled);
          calls++;
          if (error) {
            errors++;
            firstError ??= error.message;
          }
          finish();
        });
      }
      // Timers fire at 1 ms granularity at best: the lag this adds is counted, as a real client's.
      if (sent < total) setTimeout(tick, Math.max(0, t0 + sent * intervalMs - performance.now()));
    };
    if (total === 0) finish();
    else tick();
  });
}
