// The shared scenarios the kind suite runs that no other bed test covers, run on the local bed too,
// so their steps and assertions are exercised here and not only in a cluster.
import '../scenarios/alt-resolver.js';
import { describe, it } from 'node:test';
import { dnsRestart, podDeletion } from '../../lib/testing/scenarios/definitions.js';
import { bedDriver, JITTER, POLL_MS, TTL_SECONDS, useBed } from '../scenarios/bed.js';

describe('shared scenarios on the local cluster bed', () => {
  const bed = useBed({
    replicas: 3,
    terminationGracePeriodMs: POLL_MS * (1 + JITTER) + TTL_SECONDS * 1000 + 4000,
  });

  it('one pod deleted: no call fails, it gets none once polled, its replacement gets calls', async () => {
    await podDeletion(bedDriver(bed()));
  });

  it('the cluster DNS restarts: the last good set is kept, no call fails, every pod keeps serving', async () => {
    await dnsRestart(bedDriver(bed()));
  });
});
