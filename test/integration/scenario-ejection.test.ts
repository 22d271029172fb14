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

const BASE_EJECTION = '2s';

describe('passive ejection on the local cluster bed (100 calls/s, 300 ms deadlines)', () => {
  const bed = useBed({ replicas: 5 });

  it('ejects a pod returning UNAVAILABLE after 5 in a row, re-ejects it for longer while bad, restores it through one trial', async () => {
    const cluster = bed();
    const client = makeEchoClient(cluster.target(), rawOptions({ ejection: { base_time: BASE_EJECTION } }));
    try {
      await client.call(5000);
      const generator = load(client, 100, SHORT_DEADLINE_MS);
      await sleep(1000);
      const victim = cluster.activePods[0]!;
      const since = Date.now();
      await cluster.setMode(victim, { kind: 'failing' });
      const key = victim.address.replace(/[.]/g, '\\.');
      assert.ok(
        await waitFor(() => logsSince(since, new RegExp(`ejected ${key} .*ejection #1`)).length > 0, 3000),
        'ejected',
      );
      await sleep(200);
      const atEjection = generator.results();
      assert.ok(atEjection.failures <= 5, `at most the consecutive threshold failed: ${summary(atEjection)}`);
      assert.ok(
        await waitFor(
          () => logsSince(since, new RegExp(`ejected ${key} for (\\d+\\.\\d)s .*ejection #2`)).length > 0,
          5000,
        ),
        'a failed trial call re-ejects it',
      );
      const second = logsSince(since, new RegExp(`ejected ${key} for (\\d+\\.\\d)s .*ejection #2`))[0]!;
      assert.ok(Number(/for (\d+\.\d)s/.exec(second)![1]) >= 4, `longer the second time: ${second}`);
      const failuresWhileBad = generator.results().failures;
      assert.ok(failuresWhileBad <= 6, `5 + one failed trial: ${summary(generator.results())}`);
      const healed = Date.now();
      await cluster.setMode(victim, { kind: 'ok' });
      assert.ok(
        await waitFor(() => logsSince(healed, new RegExp(`${key} restored`)).length > 0, 6000),
        'restored by a trial call',
      );
      await sleep(1000);
      const results = await generator.stop();
      assert.equal(results.failures, failuresWhileBad, `no failure after it healed: ${summary(results)}`);
      assert.ok((results.perPod[victim.name]?.lastAt ?? 0) > healed, 'it takes calls again');
    } finally {
      client.close();
    }
  });

  it('a crashed pod still in DNS costs at most 2 calls, then none', async () => {
    const cluster = bed();
    const client = makeEchoClient(cluster.target(), rawOptions({}));
    try {
      await client.call(5000);
      const generator = load(client, 100, SHORT_DEADLINE_MS);
      await sleep(1000);
      await cluster.crash(cluster.activePods[1]!);
      await sleep(3000);
      const results = await generator.stop();
      assert.ok(results.failures <= 2, summary(results));
    } finally {
      client.close();
    }
  });
});
