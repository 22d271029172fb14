import '../scenarios/alt-resolver.js';
import { it } from 'node:test';
import { JITTER, POLL_MS, useBed } from '../scenarios/bed.js';
import { rollingUpdateWithoutPreStop } from '../scenarios/rolling.js';

// The server helper keeps serving past one client poll before its GOAWAY.
const DRAIN_DELAY_MS = POLL_MS * (1 + JITTER) + 500;
const bed = useBed({
  replicas: 3,
  terminationGracePeriodMs: 5000,
  podDefaults: { drainDelayMs: DRAIN_DELAY_MS },
});

it('rolling update of 3 pods without preStop, servers using gracefulShutdown(): zero failed calls', async () => {
  await rollingUpdateWithoutPreStop(bed(), 'servers with the shutdown helper');
});
