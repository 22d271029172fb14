// DNS server down for 30 s under steady load: no failed call, one warning, recovery on the first good answer.
import assert from 'node:assert/strict';
import type { DnsBackendChoice } from '../../lib/testing/dns/backends.js';
import { load, logs, POLL_MS, registerForTests, sleep, startBed, summary, thickClient } from './bed.js';

export const OUTAGE_MS = 30_000;

export async function dnsOutageScenario(dns: DnsBackendChoice): Promise<void> {
  registerForTests();
  const cluster = await startBed({ replicas: 3, dns });
  const client = thickClient(cluster);
  try {
    await client.call(5000);
    const generator = load(client);
    await sleep(1000);
    const since = Date.now();
    await cluster.dnsFault('down');
    await sleep(OUTAGE_MS);
    await cluster.dnsFault('none');
    const restored = Date.now();
    let recovered: number | undefined;
    while (recovered === undefined && Date.now() - restored < POLL_MS * 3) {
      recovered = logs.find((l) => l.at >= since && /recovered after/.test(l.message))?.at;
      await sleep(50);
    }
    const results = await generator.stop();
    assert.equal(results.failures, 0, summary(results));
    for (const pod of cluster.activePods) {
      assert.ok(
        (results.perPod[pod.name]?.calls ?? 0) > 0,
        `${pod.name} kept getting calls: ${summary(results)}`,
      );
    }
    const warnings = logs.filter((l) => l.level === 'warn' && l.at >= since);
    assert.equal(warnings.length, 1, warnings.map((w) => w.message).join('\n'));
    assert.match(warnings[0]!.message, /failed \(ECONNREFUSED.*keeping the 3 endpoint\(s\)/);
    assert.ok(recovered !== undefined, 'a recovery line once DNS answers again');
    // The back-off never waits longer than the poll interval, so the first good answer comes within it.
    assert.ok(
      recovered - restored <= POLL_MS * 1.2 + 500,
      `recovered ${recovered - restored} ms after DNS came back`,
    );
  } finally {
    client.close();
    await cluster.stop();
  }
}
