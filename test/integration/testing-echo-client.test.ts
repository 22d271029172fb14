// The testing library's Echo client tells committed failures apart (a server that had sent its
// response headers), and the load generator counts them: no client may retry such a call (gRFC A6).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { type EchoCallError, LoadGenerator, makeEchoClient } from '../../lib/testing.js';
import { EchoBed } from '../helpers/echo-bed.js';

const bed = new EchoBed();

before(() => bed.start([1, 2]));
after(() => bed.stop());

describe('Echo client: committed failures', () => {
  it('marks a failure after the response headers, and only that one', async () => {
    bed.servers.behaviour.set(bed.addr(1), { kind: 'fail-after-headers', code: grpc.status.UNAVAILABLE });
    bed.servers.behaviour.set(bed.addr(2), { kind: 'fail', code: grpc.status.UNAVAILABLE });
    const committed = makeEchoClient(`ipv4:///${bed.addr(1)}`);
    const plain = makeEchoClient(`ipv4:///${bed.addr(2)}`);
    try {
      const late = (await committed.call(2000).catch((e: EchoCallError) => e)) as EchoCallError;
      const early = (await plain.call(2000).catch((e: EchoCallError) => e)) as EchoCallError;
      assert.equal(late.code, grpc.status.UNAVAILABLE);
      assert.equal(late.responseStarted, true);
      assert.equal(early.code, grpc.status.UNAVAILABLE);
      assert.equal(early.responseStarted, undefined);

      for (const [client, expected] of [
        [committed, 5],
        [plain, 0],
      ] as const) {
        const load = new LoadGenerator(({ deadlineMs }) => client.call(deadlineMs));
        load.start({ ratePerSecond: 200, deadlineMs: 2000, maxCalls: 5 });
        const results = await load.done;
        assert.equal(results.failures, 5);
        assert.equal(results.committedFailures, expected);
      }
    } finally {
      committed.close();
      plain.close();
      bed.servers.behaviour.clear();
    }
  });
});
