import { PANIC_DEFAULTS } from '../config/defaults.js';

/**
 * Panic mode (Envoy's panic threshold): when fewer than `thresholdPercent` of the connected
 * endpoints are usable (not ejected, not unhealthy), sending only to the few usable
 * ones would overload them into failing too. Spread calls over all connected endpoints instead.
 */
export function inPanic(
  usable: number,
  connected: number,
  thresholdPercent: number = PANIC_DEFAULTS.thresholdPercent,
): boolean {
  if (connected === 0 || thresholdPercent <= 0) return false;
  return usable * 100 < connected * thresholdPercent;
}
