import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { scaleDown } from '../../lib/testing/scenarios/definitions.js';
import {
  bedDriver,
  JITTER,
  POLL_MS,
  RATE,
  sleep,
  TTL_SECONDS,
  thickClient,
  useBed,
} from '../scenarios/bed.js';

describe('scale-down on the local cluster bed', () => {
  // preStop ≥ poll + TTL + 1 s (the bed driver's default), within the grace period.
  const bed = useBed({
    replicas: 5,
    terminationGracePeriodMs: POLL_MS * (1 + JITTER) + TTL_SECONDS * 1000 + 4000,
  });

  it('deleting 2 of 5 pods with preStop ≥ poll + TTL + 1 s loses no call, and they get none once the removal is polled', async () => {
    const driver = bedDriver(bed());
    assert.equal(driver.preStopMs, POLL_MS * (1 + JITTER) + TTL_SECONDS * 1000 + 1000);
    await scaleDown(driver, { replicas: 3, ratePerSecond: RATE });
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
