// The pure pickers of figure 3, one row per policy: how to make a picker over `n` ready endpoints
// that returns the index of the endpoint chosen. Adding thick_p2c is one import from lib/picking
// and one entry here.

import { ChannelLatency } from '../lib/picking/channel-latency.js';
import { EndpointLoad } from '../lib/picking/load.js';
import type { LoadSettings } from '../lib/picking/load-settings.js';
import { powerOfTwoChoices } from '../lib/picking/p2c.js';
import { fastRandom } from '../lib/picking/random.js';
import { RoundRobinCursor } from '../lib/picking/round-robin.js';

/** thick_p2c's defaults (docs/configuration.md); latencies 1–7 ms so the costs differ. */
const P2C_LOAD: LoadSettings = {
  metric: 'peak_ewma',
  defaultLatencyMs: 30,
  decayMs: 10_000,
  failurePenalty: 2,
};
const LATENCY_SPREAD_MS = 7;
/** Clock step per pick (1 µs), so the estimates decay as they would under load. */
const PICK_STEP_MS = 0.001;

export interface PickerSpec {
  readonly policy: string;
  /** What exactly is timed. */
  readonly what: string;
  create(endpoints: number): () => number;
}

export const PICKERS: readonly PickerSpec[] = Object.freeze([
  {
    policy: 'thick_round_robin',
    what: 'RoundRobinCursor.next(n) (lib/picking/round-robin.ts)',
    create: (n: number) => {
      const cursor = new RoundRobinCursor(Math.random);
      return () => cursor.next(n);
    },
  },
  {
    policy: 'thick_p2c',
    what: 'powerOfTwoChoices over peak-EWMA costs, then picked()/started() (lib/picking/p2c.ts, load.ts)',
    create: (n: number) => {
      const channel = new ChannelLatency(P2C_LOAD);
      const loads = Array.from({ length: n }, (_, i) => {
        const load = new EndpointLoad(P2C_LOAD, channel, 0);
        load.picked(0);
        load.started(0, true);
        load.ended(1, 1 + (i % LATENCY_SPREAD_MS), true, false);
        return load;
      });
      // The clock in a typed array: a double held in a closure variable is boxed anew at every
      // write, and the figure would count the harness's allocation as the picker's.
      const clock = new Float64Array([1]);
      const usable = () => true;
      // thick_p2c's own source (Math.random allocates per draw).
      const random = fastRandom();
      const cost = (i: number) => loads[i]!.cost(clock[0]!);
      return () => {
        clock[0]! += PICK_STEP_MS;
        const now = clock[0]!;
        const i = powerOfTwoChoices(n, random, usable, cost);
        loads[i]!.picked(now);
        loads[i]!.started(now, true);
        return i;
      };
    },
  },
]);
