// The one machine-readable line a load client in another pod prints at the end, so a driver can
// read its results from the pod's log.
import type { LoadResults } from '../load.js';
import type { LoadSummary } from './driver.js';

export const LOAD_RESULT_PREFIX = 'grpc-thick-load-result ';

export interface LoadResultLine extends LoadSummary {
  readonly sent: number;
  readonly skipped: number;
  readonly latencyMs: LoadResults['latencyMs'];
  readonly startedAt: number | undefined;
  readonly stoppedAt: number | undefined;
  /** Set when the client could not run its load at all (no first call succeeded). */
  readonly error?: string;
}

/** The line for these results (per-call records left out: a log line must stay small). */
export function formatLoadResult(results: LoadResults | LoadResultLine, error?: string): string {
  const line: LoadResultLine = {
    total: results.total,
    sent: results.sent,
    skipped: results.skipped,
    failures: results.failures,
    committedFailures: results.committedFailures,
    failuresByCode: results.failuresByCode,
    perPod: results.perPod,
    latencyMs: results.latencyMs,
    startedAt: results.startedAt,
    stoppedAt: results.stoppedAt,
    ...(error === undefined ? {} : { error }),
  };
  return `${LOAD_RESULT_PREFIX}${JSON.stringify(line)}`;
}

/** The last result line in a log, or undefined when the client printed none. */
export function parseLoadResult(log: string): LoadResultLine | undefined {
  const line = log
    .split('\n')
    .reverse()
    .find((l) => l.startsWith(LOAD_RESULT_PREFIX));
  if (line === undefined) return undefined;
  const parsed = JSON.parse(line.slice(LOAD_RESULT_PREFIX.length)) as LoadResultLine;
  if (typeof parsed.total !== 'number' || typeof parsed.perPod !== 'object' || parsed.perPod === null) {
    throw new Error(`malformed load result line: ${line.slice(0, 200)}`);
  }
  // A line from a load client older than committedFailures: none were told apart.
  return { ...parsed, committedFailures: parsed.committedFailures ?? 0 };
}
