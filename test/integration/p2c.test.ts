// thick_p2c through real channels, fast: in-process DNS and Echo servers. The latency scenarios
// with real pod processes are in scenario-p2c.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { register, thickChannelOptions } from '../../lib/index.js';
import { EchoBed } from '../helpers/echo-bed.js';
import { echoClient } from '../helpers/echo-servers.js';
import { sleep } from '../helpers/wait.js';

const bed = new EchoBed();
const addr = (n: number) => bed.addr(n);
const servers = bed.servers;
const publish = (name: string, hosts: number[]) => bed.publish(name, hosts);

function reset(hosts: number[]): void {
  for (const n of hosts) {
    servers.calls.delete(addr(n));
    servers.retries.delete(addr(n));
    servers.behaviour.delete(addr(n));
  }
}

/** `concurrency` loops of `each` calls; answers counted per pod, errors as "ERR:<code>". */
async function concurrent(client: ReturnType<typeof echoClient>, concurrency: number, each: number) {
  const counts: Record<string, number> = {};
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (const [key, n] of Object.entries(await client.count(each))) counts[key] = (counts[key] ?? 0) + n;
    }),
  );
  return counts;
}

before(async () => {
  register({ grpc, logger: { warn: () => {}, info: () => {}, debug: () => {} } });
  await bed.start([1, 2, 3, 4, 5, 6]);
});

after(() => bed.stop());

describe('thick_p2c through a real channel', () => {
  it('is selected by the raw string and by the helper alike, and uses every endpoint', async () => {
    const target = await publish('p2c-even', [1, 2, 3]);
    reset([1, 2, 3]);
    for (const options of [
      { 'grpc.service_config': '{"loadBalancingConfig":[{"thick_p2c":{}}]}' },
      thickChannelOptions({ policy: 'thick_p2c' }),
    ]) {
      const client = echoClient(target, options);
      await client.call();
      await sleep(200);
      const counts = await concurrent(client, 4, 30);
      client.close();
      assert.deepEqual(
        Object.keys(counts).sort(),
        [addr(1), addr(2), addr(3)].sort(),
        JSON.stringify(counts),
      );
    }
  });

  it('sends little to an endpoint 200 ms slower than the others', async () => {
    const target = await publish('p2c-slow', [4, 5, 6]);
    reset([4, 5, 6]);
    servers.behaviour.set(addr(4), { kind: 'slow', ms: 200 });
    const client = echoClient(target, {
      'grpc.service_config': '{"loadBalancingConfig":[{"thick_p2c":{}}]}',
    });
    await client.call();
    await sleep(200);
    const counts = await concurrent(client, 4, 50);
    client.close();
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    assert.equal(total, 200);
    assert.ok((counts[addr(4)] ?? 0) < 0.05 * total, JSON.stringify(counts));
  });

  it('sends every retry to another endpoint, though the failing one answers fastest', async () => {
    const target = await publish('p2c-retry', [1, 2, 3]);
    reset([1, 2, 3]);
    servers.behaviour.set(addr(1), { kind: 'fail', code: grpc.status.UNAVAILABLE });
    // Ejection and the failure penalty off: only previous-endpoint avoidance keeps retries away.
    const serviceConfig = {
      loadBalancingConfig: [
        {
          thick_p2c: {
            failure_penalty: 1,
            ejection: { consecutive_failures: 0, failure_percentage: null },
            retry_budget: false,
          },
        },
      ],
      methodConfig: [
        {
          name: [{}],
          retryPolicy: {
            maxAttempts: 3,
            initialBackoff: '0.01s',
            maxBackoff: '0.05s',
            backoffMultiplier: 2,
            retryableStatusCodes: ['UNAVAILABLE'],
          },
        },
      ],
    };
    const client = echoClient(target, { 'grpc.service_config': JSON.stringify(serviceConfig) });
    await client.call(3000);
    await sleep(200);
    const counts = await concurrent(client, 8, 10);
    client.close();
    assert.equal(counts['ERR:UNAVAILABLE'], undefined, `no call failed: ${JSON.stringify(counts)}`);
    const failed = servers.calls.get(addr(1)) ?? 0;
    assert.ok(failed >= 1, 'the failing endpoint took first attempts');
    assert.equal(servers.retries.get(addr(1)) ?? 0, 0, 'no retry went back to it');
    const retried = (servers.retries.get(addr(2)) ?? 0) + (servers.retries.get(addr(3)) ?? 0);
    assert.equal(retried, failed, 'each failed attempt was retried once, elsewhere');
  });

  it('with the default failure penalty, a fast-failing endpoint does not attract traffic', async () => {
    const target = await publish('p2c-fastfail', [4, 5, 6]);
    reset([4, 5, 6]);
    servers.behaviour.set(addr(4), { kind: 'fail', code: grpc.status.INTERNAL });
    for (const n of [5, 6]) servers.behaviour.set(addr(n), { kind: 'slow', ms: 5 });
    const config = { thick_p2c: { ejection: { consecutive_failures: 0, failure_percentage: null } } };
    const client = echoClient(target, {
      'grpc.service_config': JSON.stringify({ loadBalancingConfig: [config] }),
    });
    await client.call().catch(() => {});
    await sleep(200);
    const counts = await concurrent(client, 4, 50);
    client.close();
    const errors = counts['ERR:INTERNAL'] ?? 0;
    assert.ok(errors < 20, `the failing endpoint (fastest to answer) got ${errors} of 200 calls`);
  });
});
