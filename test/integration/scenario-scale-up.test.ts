import '../scenarios/alt-resolver.js';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JITTER, load, POLL_MS, sleep, stockClient, summary, thickClient, useBed } from '../scenarios/bed.js';

describe('scale-up on the local cluster bed', () => {
  const bed = useBed({ replicas: 3 });

  it('spreads 3000 calls over 3 steady pods within max/min ≤ 1.1', async () => {
    const cluster = bed();
    const client = thickClient(cluster);
    try {
      await client.call(5000);
      await sleep(300); // every pod connected
      const generator = load(client, 600);
      const results = await new Promise<Awaited<ReturnType<typeof generator.stop>>>((resolve) => {
        const timer = setInterval(() => {
          if (generator.results().total >= 3000) {
            clearInterval(timer);
            resolve(generator.stop());
          }
        }, 20);
      });
      assert.equal(results.failures, 0, summary(results));
      const counts = cluster.activePods.map((p) => results.perPod[p.name]?.calls ?? 0);
      assert.equal(counts.length, 3);
      assert.ok(
        Math.min(...counts) > 0 && Math.max(...counts) / Math.min(...counts) <= 1.1,
        summary(results),
      );
    } finally {
      client.close();
    }
  });

  it('3 → 5 at 100 calls/s: the SDK uses both new pods within one poll + 1 s with zero failures; stock grpc-js never does', async () => {
    const cluster = bed();
    const thick = thickClient(cluster);
    const stock = stockClient(cluster);
    try {
      const thickLoad = load(thick);
      const stockLoad = load(stock);
      await sleep(1500);
      const published = new Map<string, number>();
      await Promise.all(
        [0, 1].map(async () => {
          const pod = await cluster.addPod();
          published.set(pod.name, Date.now());
        }),
      );
      const bound = POLL_MS * (1 + JITTER) + 1000;
      await sleep(bound + 2000);
      const [t, s] = await Promise.all([thickLoad.stop(), stockLoad.stop()]);
      assert.equal(t.failures, 0, `SDK: ${summary(t)}`);
      for (const [name, at] of published) {
        const first = t.perPod[name]?.firstAt;
        assert.ok(first !== undefined, `SDK never called new pod ${name}: ${summary(t)}`);
        assert.ok(
          first - at <= bound,
          `SDK first call to ${name} came ${first - at} ms after it was in DNS (bound ${bound})`,
        );
      }
      assert.equal(s.failures, 0, `stock: ${summary(s)}`);
      for (const name of published.keys()) {
        assert.equal(
          s.perPod[name],
          undefined,
          `stock grpc-js is not expected to find ${name}: ${summary(s)}`,
        );
      }
      assert.ok(
        Object.keys(s.perPod).length >= 2,
        `stock client did balance over the old pods: ${summary(s)}`,
      );
    } finally {
      thick.close();
      stock.close();
    }
  });
});
