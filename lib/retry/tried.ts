/**
 * Previous-endpoint avoidance (Envoy's previous_hosts): each retry attempt of a call is a new pick,
 * and every attempt's pick sees the same per-call object (grpc-js's `extraPickInfo`, one fresh
 * object per call, shared by its retries and hedges). The picker notes there the endpoints it
 * chose, and prefers others on the next attempt. Nothing goes on the wire.
 */
export const TRIED_KEY = 'grpc-thick.tried';
const SEPARATOR = '\n';

export type PickInfo = { [key: string]: string };

/** Whether an earlier attempt of this call went to `key`. */
export function wasTried(info: PickInfo, key: string): boolean {
  const list = info[TRIED_KEY];
  if (list === undefined) return false;
  return `${SEPARATOR}${list}${SEPARATOR}`.includes(`${SEPARATOR}${key}${SEPARATOR}`);
}

/** Whether this pick is a later attempt of a call (a retry or a hedge). */
export function isLaterAttempt(info: PickInfo): boolean {
  return info[TRIED_KEY] !== undefined;
}

export function markTried(info: PickInfo, key: string): void {
  const list = info[TRIED_KEY];
  info[TRIED_KEY] = list === undefined ? key : `${list}${SEPARATOR}${key}`;
}

const OUTCOME_KEY = 'grpc-thick.last_outcome';

/** Notes how an attempt ended, so a retry refused by the budget can fail with the original error. */
export function recordOutcome(info: PickInfo, code: number, details: string): void {
  info[OUTCOME_KEY] = `${code} ${details}`;
}

export function lastOutcome(info: PickInfo): { code: number; details: string } | undefined {
  const text = info[OUTCOME_KEY];
  if (text === undefined) return undefined;
  const space = text.indexOf(' ');
  return { code: Number(text.slice(0, space)), details: text.slice(space + 1) };
}
