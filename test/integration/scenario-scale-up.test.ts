import '../scenarios/alt-resolver.js';
import { describe, it } from 'node:test';
import { scaleUp, steadyState } from '../../lib/testing/scenarios/definitions.js';
import { bedDriver, RATE, useBed } from '../scenarios/bed.js';

// The steps and assertions are the shared scenarios' (lib/testing/scenarios), run by the kind suite too.
describe('scale-up on the local cluster bed', () => {
  const bed = useBed({ replicas: 3 });

  it('spreads 3000 calls over 3 steady pods within max/min ≤ 1.1', async () => {
    await steadyState(bedDriver(bed()), { replicas: 3, calls: 3000, ratePerSecond: 600, maxRatio: 1.1 });
  });

  it('3 → 5 at 100 calls/s: the SDK uses both new pods within one poll + 1 s with zero failures; stock grpc-js never does', async () => {
    await scaleUp(bedDriver(bed()), { replicas: 5, ratePerSecond: RATE, compareStock: true });
  });
});
