// LoadGenerator (open loop, results) and the bed's pure helpers (records, addresses, backend choice).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { PodAddressAllocator } from '../../lib/testing/cluster/addresses.js';
import {
  dashedTarget,
  LoadGenerator,
  resolveDnsBackend,
  serviceRecords,
  srvWeight,
} from '../../lib/testing.js';

describe('LoadGenerator', () => {
  it('sends on schedule whatever the calls do (open loop)', async () => {
    let started = 0;
    const load = new LoadGenerator(async () => {
      started++;
      await sleep(200);
      return { pod: 'slow' };
    });
    // 100/s over 300 ms: calls scheduled at 0, 10, ..., 290 ms → exactly 30, all sent while the
    // first ones are still in flight.
    load.start({ ratePerSecond: 100, deadlineMs: 1000, durationMs: 300 });
    const results = await load.done;
    assert.equal(results.sent, 30);
    assert.equal(started, 30);
    assert.equal(results.total, 30);
    assert.equal(results.inFlight, 0);
    assert.equal(results.perPod.slow?.calls, 30);
    assert.ok((results.latencyMs?.p50 ?? 0) >= 190, `p50 ${results.latencyMs?.p50}`);
  });

  it('counts successes per pod and failures by code with samples', async () => {
    const load = new LoadGenerator(async ({ sequence }) => {
      if (sequence % 5 === 4) throw Object.assign(new Error(`boom ${sequence}`), { code: 14 });
      if (sequence % 5 === 3) throw new Error('plain');
      return { pod: `pod-${sequence % 3}` };
    });
    load.start({ ratePerSecond: 500, deadlineMs: 100, maxCalls: 50 });
    const results = await load.done;
    assert.equal(results.total, 50);
    assert.equal(results.successes, 30);
    assert.equal(results.failures, 20);
    assert.equal(results.failuresByCode.UNAVAILABLE?.count, 10);
    assert.equal(results.failuresByCode.ERROR?.count, 10);
    assert.deepEqual(results.failuresByCode.UNAVAILABLE?.samples, ['boom 4', 'boom 9', 'boom 14']);
    const perPod = Object.values(results.perPod).reduce((n, p) => n + p.calls, 0);
    assert.equal(perPod, 30);
    for (const stats of Object.values(results.perPod)) assert.ok(stats.firstAt <= stats.lastAt);
    assert.ok(results.latencyMs && results.latencyMs.p50 <= results.latencyMs.p99);
    assert.deepEqual(
      results.records.map((r) => r.sequence).sort((a, b) => a - b),
      Array.from({ length: 50 }, (_, i) => i),
    );
  });

  it('stop() waits for in-flight calls and passes an abortable deadline', async () => {
    const aborted: boolean[] = [];
    const load = new LoadGenerator(
      ({ signal, deadlineMs }) =>
        new Promise((resolve, reject) => {
          assert.equal(deadlineMs, 50);
          signal.addEventListener('abort', () => {
            aborted.push(true);
            reject(Object.assign(new Error('deadline'), { code: 4 }));
          });
          void resolve;
        }),
    );
    load.start({ ratePerSecond: 50, deadlineMs: 50 });
    await sleep(100);
    const results = await load.stop();
    assert.equal(results.inFlight, 0);
    assert.ok(results.total >= 1);
    assert.equal(results.failuresByCode.DEADLINE_EXCEEDED?.count, results.total);
    assert.equal(aborted.length, results.total);
    assert.equal(load.running, false);
  });

  it('rejects nonsense rates', () => {
    const load = new LoadGenerator(async () => ({ pod: 'x' }));
    assert.throws(() => load.start({ ratePerSecond: 0, deadlineMs: 10 }), /positive/);
  });
});

describe('service records (EndpointSlice → CoreDNS)', () => {
  const names = {
    fqdn: 'echo.default.svc.cluster.local',
    srvName: '_grpc._tcp.echo.default.svc.cluster.local',
    port: 50051,
  };

  it('A at the name and at dashed-IP targets, SRV weight floor(100/N)', () => {
    const records = serviceRecords(names, ['127.5.6.2', '127.5.6.3', '127.5.6.4'], true);
    assert.deepEqual(
      records.filter((r) => r.type === 'A' && r.name === names.fqdn).map((r) => r.type === 'A' && r.address),
      ['127.5.6.2', '127.5.6.3', '127.5.6.4'],
    );
    const srv = records.filter((r) => r.type === 'SRV');
    assert.equal(srv.length, 3);
    for (const r of srv) assert.equal(r.type === 'SRV' && r.weight, 33);
    assert.equal(srv[0]?.type === 'SRV' && srv[0].target, '127-5-6-2.echo.default.svc.cluster.local');
    assert.equal(srvWeight(1), 100);
    assert.equal(srvWeight(7), 14);
    assert.equal(dashedTarget('::1', 'x.cluster.local'), '--1.x.cluster.local');
  });

  it('no ready pods → no records at all (NXDOMAIN), and srv: false → no SRV', () => {
    assert.deepEqual(serviceRecords(names, [], true), []);
    assert.ok(serviceRecords(names, ['127.5.6.2'], false).every((r) => r.type === 'A'));
  });
});

describe('PodAddressAllocator', () => {
  it('gives a 127.a.b block outside 127.0, never the same IP twice', () => {
    const allocator = new PodAddressAllocator();
    assert.match(allocator.block, /^127\.([1-9]\d*)\.\d+$/);
    const ips = Array.from({ length: 600 }, () => allocator.next());
    assert.equal(new Set(ips).size, ips.length);
    for (const ip of ips) {
      const [a, b, c, d] = ip.split('.').map(Number);
      assert.equal(a, 127);
      assert.notEqual(b, 0);
      assert.ok(c !== undefined && c >= 0 && c <= 255);
      assert.ok(d !== undefined && d >= 2 && d <= 254, ip);
    }
  });

  it('accepts an explicit block and rejects 127.0.x', () => {
    assert.equal(new PodAddressAllocator('127.42.7').next(), '127.42.7.2');
    assert.throws(() => new PodAddressAllocator('127.0.53'), /127/);
  });
});

describe('resolveDnsBackend', () => {
  it('explicit choice wins; the env var overrides auto only', () => {
    assert.equal(resolveDnsBackend('inprocess', { GRPC_THICK_TESTBED_DNS: 'dnsmasq' }), 'inprocess');
    assert.equal(resolveDnsBackend('auto', { GRPC_THICK_TESTBED_DNS: 'inprocess' }), 'inprocess');
    assert.equal(resolveDnsBackend('auto', { GRPC_THICK_TESTBED_DNS: 'dnsmasq' }), 'dnsmasq');
    assert.throws(() => resolveDnsBackend('auto', { GRPC_THICK_TESTBED_DNS: 'bind9' }), /must be/);
  });
});
