import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeEchoClient } from '../../lib/testing/echo-client.js';
import {
  load,
  logsSince,
  rawOptions,
  SHORT_DEADLINE_MS,
  sleep,
  summary,
  useBed,
  waitFor,
} from '../scenarios/bed.js';

describe('panic mode and slow start on the local cluster bed', () => {
  const bed = useBed({ replicas: 4 });

  it('3 of 5 pods failing: panic engages (calls spread over all 5, logged) and disengages when they recover', async () => {
    const cluster = bed();
    await cluster.scale(5);
    // The default cap (50 %) keeps 3 of 5 from all being ejected; panic needs them out.
    const client = makeEchoClient(
      cluster.target(),
      rawOptions({ ejection: { base_time: '2s', max_ejected_percent: 100 } }),
    );
    try {
      await client.call(5000);
      const generator = load(client, 100, SHORT_DEADLINE_MS);
      await sleep(1000);
      const bad = cluster.activePods.slice(0, 3);
      const since = Date.now();
      await Promise.all(bad.map((p) => cluster.setMode(p, { kind: 'failing' })));
      assert.ok(
        await waitFor(() => logsSince(since, /^panic mode: only 2 of 5/).length > 0, 5000),
        'panic logged',
      );
      const inPanic = Date.now();
      await sleep(1000);
      const during = generator.results().records.filter((c) => c.scheduledAt > inPanic);
      const failed = during.filter((c) => c.code !== undefined).length;
      assert.ok(
        failed > during.length * 0.3,
        `calls spread over all 5, the 3 bad ones included: ${failed} of ${during.length} failed`,
      );
      const healed = Date.now();
      await Promise.all(bad.map((p) => cluster.setMode(p, { kind: 'ok' })));
      assert.ok(
        await waitFor(() => logsSince(healed, /^panic mode over/).length > 0, 6000),
        'panic over once they recover',
      );
      await sleep(500);
      const results = await generator.stop();
      const after = results.records.filter((c) => c.scheduledAt > healed + 200);
      assert.equal(after.filter((c) => c.code !== undefined).length, 0, summary(results));
    } finally {
      client.close();
    }
  });

  it('slow start: a pod added to 4 busy ones gets a clearly smaller share in its first window than after it', async () => {
    const cluster = bed();
    await cluster.scale(4);
    const windowMs = 4000;
    const client = makeEchoClient(
      cluster.target(),
      rawOptions({ slow_start: { window: `${windowMs / 1000}s` } }),
    );
    try {
      await client.call(5000);
      const generator = load(client, 200, SHORT_DEADLINE_MS);
      await sleep(1000);
      const pod = await cluster.addPod();
      assert.ok(
        await waitFor(() => generator.results().perPod[pod.name] !== undefined, 3000),
        'the new pod gets calls',
      );
      const first = generator.results().perPod[pod.name]!.firstAt;
      await sleep(windowMs + 1500);
      const results = await generator.stop();
      const count = (from: number, to: number) =>
        results.records.filter((c) => c.pod === pod.name && c.scheduledAt >= from && c.scheduledAt < to)
          .length;
      const early = count(first, first + 1000);
      const late = count(first + windowMs, first + windowMs + 1000);
      assert.ok(late > 20, `full share after the window: ${late}`);
      assert.ok(early < late * 0.5, `first second ${early} calls vs ${late} after the window`);
      assert.equal(results.failures, 0, summary(results));
    } finally {
      client.close();
    }
  });
});
