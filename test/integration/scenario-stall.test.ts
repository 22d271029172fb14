import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeEchoClient } from '../../lib/testing/echo-client.js';
import type { LoadResults } from '../../lib/testing/load.js';
import { load, logsSince, rawOptions, SHORT_DEADLINE_MS, sleep, summary, useBed } from '../scenarios/bed.js';

const failedAfter = (r: LoadResults, t: number) =>
  r.records.filter((c) => c.code !== undefined && c.scheduledAt > t).length;

describe('hung pods on the local cluster bed (100 calls/s over 5 pods, 300 ms deadlines)', () => {
  const bed = useBed({ replicas: 5, terminationGracePeriodMs: 1000 });

  /** Hangs one pod under load; returns what the client saw. */
  async function hangOnce(
    policy: object,
    hangMs: number,
    afterMs: number,
  ): Promise<{ results: LoadResults; hungAt: number; resumedAt: number; address: string; name: string }> {
    const cluster = bed();
    const client = makeEchoClient(cluster.target(), rawOptions(policy));
    try {
      await client.call(5000);
      const generator = load(client, 100, SHORT_DEADLINE_MS);
      await sleep(1000);
      const victim = cluster.activePods.find((p) => !p.hung)!;
      const hungAt = Date.now();
      cluster.hang(victim);
      await sleep(hangMs);
      cluster.resume(victim);
      const resumedAt = Date.now();
      await sleep(afterMs);
      return {
        results: await generator.stop(),
        hungAt,
        resumedAt,
        address: victim.address,
        name: victim.name,
      };
    } finally {
      client.close();
    }
  }

  it('a hung pod costs at most 5 calls and gets none 1.5 s after it hung; it is back after its ejection time', async () => {
    const { results, hungAt, resumedAt, address, name } = await hangOnce(
      { ejection: { base_time: '2s' } },
      3000,
      4000,
    );
    const envoyLike = await hangOnce({ ejection: { base_time: '2s' }, stall_detection: false }, 3000, 0);
    console.log(
      `hung pod, failed calls: ${results.failures} with stall detection; ${envoyLike.results.failures} with consecutive-failure ejection alone (Envoy-style)`,
    );
    assert.ok(results.failures <= 5, summary(results));
    assert.equal(failedAfter(results, hungAt + 1500), 0, 'no call sent to it 1.5 s after it hung');
    assert.ok(
      logsSince(hungAt, new RegExp(`ejected ${address.replace(/[.]/g, '\\.')}`)).length > 0,
      'the deadline failures ejected it',
    );
    assert.ok((results.perPod[name]?.lastAt ?? 0) > resumedAt, 'back after its ejection time');
  });

  it('a 200 ms pause costs nothing: no failure, no ejection, its share back within 1 s', async () => {
    const since = Date.now();
    const { results, resumedAt, address, name } = await hangOnce({}, 200, 2000);
    assert.equal(results.failures, 0, summary(results));
    assert.deepEqual(logsSince(since, new RegExp(`ejected ${address.replace(/[.]/g, '\\.')}`)), []);
    const window = results.records.filter(
      (c) => c.scheduledAt > resumedAt + 1000 && c.scheduledAt <= resumedAt + 2000,
    );
    const mine = window.filter((c) => c.pod === name).length;
    assert.ok(
      mine >= (window.length / 5) * 0.6,
      `share back: ${mine} of ${window.length} calls in the second after`,
    );
  });
});
