import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { JITTER, load, POLL_MS, sleep, summary, TTL_SECONDS, thickClient, useBed } from '../scenarios/bed.js';

describe('scale-down on the local cluster bed', () => {
  const preStopMs = POLL_MS * (1 + JITTER) + TTL_SECONDS * 1000 + 1000;

  const bed = useBed({ replicas: 5, terminationGracePeriodMs: preStopMs + 3000 });

  it('deleting 2 of 5 pods with preStop ≥ poll + TTL + 1 s loses no call, and they get none once the removal is polled', async () => {
    const cluster = bed();
    const client = thickClient(cluster);
    try {
      await client.call(5000);
      const generator = load(client);
      await sleep(1000);
      const victims = cluster.activePods.slice(0, 2);
      const removedAt = new Map<string, number>();
      await Promise.all(
        victims.map(async (pod) => {
          await cluster.deletePod(pod, { preStopMs });
          removedAt.set(pod.name, Date.now());
        }),
      );
      await Promise.all(victims.map((pod) => pod.exited));
      await sleep(500);
      const results = await generator.stop();
      assert.equal(results.failures, 0, summary(results));
      const polled = POLL_MS * (1 + JITTER) + 250; // the next poll, plus calls already on the wire
      for (const pod of victims) {
        const last = results.perPod[pod.name]?.lastAt ?? 0;
        const removed = removedAt.get(pod.name)!;
        assert.ok(
          last - removed <= polled,
          `${pod.name} got a call ${last - removed} ms after leaving DNS (bound ${polled})`,
        );
      }
      for (const pod of cluster.activePods) {
        assert.ok(
          (results.perPod[pod.name]?.calls ?? 0) > 0,
          `${pod.name} kept serving: ${summary(results)}`,
        );
      }
    } finally {
      client.close();
    }
  });

  it('scaled to zero, calls fail fast with UNAVAILABLE naming the DNS name; scaled back, they succeed', async () => {
    const cluster = bed();
    const client = thickClient(cluster);
    try {
      await client.call(5000);
      await cluster.scale(0);
      await sleep(POLL_MS * (1 + JITTER) + 300);
      const started = Date.now();
      const error = await client.call(5000).then(
        () => undefined,
        (e: grpc.ServiceError) => e,
      );
      assert.ok(error, 'the call must fail');
      assert.equal(error.code, grpc.status.UNAVAILABLE);
      assert.ok(Date.now() - started < 1000, 'fails fast, not at the deadline');
      assert.match(error.details, new RegExp(`${cluster.fqdn.replaceAll('.', '\\.')} has no endpoints`));
      assert.ok(error.details.includes(cluster.dnsServer), error.details);
      await cluster.scale(2);
      const back = Date.now();
      let ok = false;
      while (!ok && Date.now() - back < POLL_MS * (1 + JITTER) + 3000) {
        ok = await client.call(1000).then(
          () => true,
          () => false,
        );
        if (!ok) await sleep(100);
      }
      assert.ok(ok, 'recovers once pods are back in DNS');
    } finally {
      client.close();
    }
  });
});
