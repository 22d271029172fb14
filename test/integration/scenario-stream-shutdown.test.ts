import assert from 'node:assert/strict';
import { it } from 'node:test';
import { sleep, thickClient, useBed } from '../scenarios/bed.js';

const bed = useBed({ replicas: 2, terminationGracePeriodMs: 6000, podDefaults: { drainDelayMs: 500 } });

it('a server-streaming call open during its pod’s graceful shutdown completes normally', async () => {
  const cluster = bed();
  const client = thickClient(cluster);
  try {
    await client.call(5000);
    await sleep(200);
    const COUNT = 20;
    const INTERVAL_MS = 100;
    // Two streams, so that one surely runs on the pod deleted below.
    const streams = [client.stream(COUNT, INTERVAL_MS, 10_000), client.stream(COUNT, INTERVAL_MS, 10_000)];
    await sleep(300);
    const victim = cluster.activePods[0]!;
    await cluster.deletePod(victim, { preStopMs: 0 });
    const results = await Promise.all(streams);
    assert.ok(
      results.some((r) => r.pod === victim.name),
      `a stream ran on ${victim.name}: ${JSON.stringify(results)}`,
    );
    for (const r of results) assert.equal(r.messages, COUNT, JSON.stringify(r));
    const exit = await victim.exited;
    assert.equal(exit.code, 0, `the pod shut down cleanly: ${JSON.stringify(exit)}`);
  } finally {
    client.close();
  }
});
