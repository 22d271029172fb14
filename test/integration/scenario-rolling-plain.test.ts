import '../scenarios/alt-resolver.js';
import { it } from 'node:test';
import { useBed } from '../scenarios/bed.js';
import { rollingUpdateWithoutPreStop } from '../scenarios/rolling.js';

// Servers that only call tryShutdown() on SIGTERM: GOAWAY at once; the client's retries absorb the race.
const bed = useBed({ replicas: 3, terminationGracePeriodMs: 5000 });

it('rolling update of 3 pods without preStop, servers doing tryShutdown() only, with our retries: zero failed calls', async () => {
  await rollingUpdateWithoutPreStop(bed(), 'servers with tryShutdown only');
});
