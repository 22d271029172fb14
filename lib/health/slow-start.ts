import type { RandomSource } from '../common/clock.js';

export interface SlowStartSettings {
  readonly windowMs: number;
  readonly aggression: number;
  readonly minWeightPercent: number;
}

/**
 * Envoy's slow-start weight for an endpoint `ageMs` into its window:
 * max(minWeight, (age / window) ^ (1 / aggression)), 1 once the window is over.
 */
export function slowStartWeight(ageMs: number, settings: SlowStartSettings): number {
  if (ageMs >= settings.windowMs || settings.windowMs <= 0) return 1;
  const ramp = Math.max(0, ageMs / settings.windowMs) ** (1 / settings.aggression);
  return Math.max(settings.minWeightPercent / 100, ramp);
}

/**
 * Weighted acceptance for round robin: a candidate with weight w < 1 takes the call with
 * probability w, else the turn passes on. O(1), and over many calls its share is w times a full one.
 */
export function accepts(weight: number, random: RandomSource): boolean {
  return weight >= 1 || random() < weight;
}
