// A rolling update of 3 pods with no preStop, at 200 calls/s with 1 s deadlines, the SDK's client
// (helper defaults: retries on) beside stock grpc-js (dns: + round_robin). Shared by the variants
// with and without the server shutdown helper.
import assert from 'node:assert/strict';
import type { LocalCluster } from '../../lib/testing/cluster.js';
import { load, sleep, stockClient, summary, thickClient } from './bed.js';

export const ROLLING_RATE = 200;
export const ROLLING_DEADLINE_MS = 1000;

export async function rollingUpdateWithoutPreStop(cluster: LocalCluster, label: string): Promise<void> {
  const thick = thickClient(cluster);
  const stock = stockClient(cluster);
  try {
    await Promise.all([thick.call(5000), stock.call(5000)]);
    const thickLoad = load(thick, ROLLING_RATE, ROLLING_DEADLINE_MS);
    const stockLoad = load(stock, ROLLING_RATE, ROLLING_DEADLINE_MS);
    await sleep(1000);
    const old = cluster.activePods.map((p) => p.name);
    await cluster.rollingUpdate({ version: 'v2', preStopMs: 0 });
    await sleep(2000);
    const [t, s] = await Promise.all([thickLoad.stop(), stockLoad.stop()]);
    console.log(
      `rolling update without preStop (${label}): failed calls ${t.failures} with grpc-thick-client, ${s.failures} with stock grpc-js`,
    );
    assert.equal(t.failures, 0, summary(t));
    const onNew = cluster.activePods
      .filter((p) => !old.includes(p.name))
      .map((p) => t.perPod[p.name]?.calls ?? 0);
    assert.ok(onNew.length === 3 && onNew.every((n) => n > 0), `the new pods serve: ${summary(t)}`);
  } finally {
    thick.close();
    stock.close();
  }
}
