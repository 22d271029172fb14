import { describe, ThickConfigError } from './errors.js';

/** Bounds for a numeric field; `unit` is only for the error message. */
export interface NumberRule {
  min: number;
  max?: number;
  integer?: boolean;
  unit?: string;
}

export function checkNumber(field: string, value: unknown, rule: NumberRule): number {
  const unit = rule.unit ? ` (${rule.unit})` : '';
  const kind = rule.integer ? 'an integer' : 'a number';
  const range = rule.max === undefined ? `>= ${rule.min}` : `between ${rule.min} and ${rule.max}`;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    (rule.integer && !Number.isInteger(value)) ||
    value < rule.min ||
    (rule.max !== undefined && value > rule.max)
  ) {
    throw new ThickConfigError(field, `${field} must be ${kind} ${range}${unit}, got ${describe(value)}`);
  }
  return value;
}

/** Channel options carry booleans as 0/1 by grpc convention; true/false are accepted too. */
export function checkBoolean(field: string, value: unknown): boolean {
  if (value === true || value === 1) return true;
  if (value === false || value === 0) return false;
  throw new ThickConfigError(field, `${field} must be true/false (or 1/0), got ${describe(value)}`);
}

export function checkEnum<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new ThickConfigError(
    field,
    `${field} must be one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${describe(value)}`,
  );
}

export function checkString(field: string, value: unknown): string {
  if (typeof value === 'string' && value.length > 0) return value;
  throw new ThickConfigError(field, `${field} must be a non-empty string, got ${describe(value)}`);
}

const DURATION_STRING = /^(\d+)(?:\.(\d{1,9}))?s$/;
const MAX_DURATION_SECONDS = 315_576_000_000; // google.protobuf.Duration's range
const NANOS_PER_MS = 1e6;

/**
 * A service-config duration, in the two JSON forms grpc uses: the proto3 string ("1.5s", like
 * retryPolicy.initialBackoff) or `{seconds, nanos}` (like outlier_detection). Returns milliseconds.
 */
export function checkDuration(field: string, value: unknown): number {
  const bad = (): never => {
    throw new ThickConfigError(
      field,
      `${field} must be a duration such as "30s" or "0.5s", or {"seconds": 30, "nanos": 0}; got ${describe(value)}`,
    );
  };
  if (typeof value === 'string') {
    const m = DURATION_STRING.exec(value);
    if (!m) return bad();
    const seconds = Number(m[1]);
    const fraction = m[2] ? Number(`0.${m[2]}`) : 0;
    if (seconds > MAX_DURATION_SECONDS) return bad();
    return seconds * 1000 + fraction * 1000;
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const { seconds, nanos = 0, ...rest } = value as Record<string, unknown>;
    if (Object.keys(rest).length > 0) return bad();
    const s = typeof seconds === 'string' && /^\d+$/.test(seconds) ? Number(seconds) : seconds;
    if (typeof s !== 'number' || !Number.isInteger(s) || s < 0 || s > MAX_DURATION_SECONDS) return bad();
    if (typeof nanos !== 'number' || !Number.isInteger(nanos) || nanos < 0 || nanos >= 1e9) return bad();
    return s * 1000 + nanos / NANOS_PER_MS;
  }
  return bad();
}

/** Renders milliseconds back into the proto3 duration string ("30s", "0.25s"). */
export function formatDuration(ms: number): string {
  const seconds = ms / 1000;
  return `${Number(seconds.toFixed(9))}s`;
}

/** Rejects keys the schema does not know, naming the closest known one: typos must not pass silently. */
export function checkKnownKeys(where: string, obj: object, known: readonly string[]): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) {
      const hint = closest(key, known);
      throw new ThickConfigError(
        key,
        `unknown field "${key}" in ${where}${hint ? ` (did you mean "${hint}"?)` : ''}; known fields: ${known.join(', ')}`,
      );
    }
  }
}

/** The candidate within a small edit distance of `word`, if any (for "did you mean" hints). */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  // A truncated name ("consecutive" for "consecutiveFailures") is the likeliest slip.
  const MIN_PREFIX = 4;
  if (lower.length >= MIN_PREFIX) {
    const extended = candidates.find((c) => c.toLowerCase().startsWith(lower));
    if (extended) return extended;
  }
  let best: string | undefined;
  let bestDistance = Math.max(3, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    prev = cur;
  }
  return prev[b.length]!;
}
