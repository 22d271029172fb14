// A rolling update of 3 pods with no preStop, at 200 calls/s with 1 s deadlines, the SDK's client
// (helper defaults: retries on) beside stock grpc-js (dns: + round_robin). Shared by the variants
// with and without the server shutdown helper.
import assert from 'node:assert/strict';
import type { LocalCluster } from '../../lib/testing/cluster.js';
import { sideBySide, sleep, summary } from './bed.js';

export const ROLLING_RATE = 200;
export const ROLLING_DEADLINE_MS = 1000;

export async function rollingUpdateWithoutPreStop(cluster: LocalCluster, label: string): Promise<void> {
  const old = cluster.activePods.map((p) => p.name);
  const { thick: t, stock: s } = await sideBySide(cluster, ROLLING_RATE, ROLLING_DEADLINE_MS, async () => {
    await sleep(1000);
    await cluster.rollingUpdate({ version: 'v2', preStopMs: 0 });
    await sleep(2000);
  });
  console.log(
    `rolling update without preStop (${label}): failed calls ${t.failures} with grpc-thick-client, ${s.failures} with stock grpc-js`,
  );
  assert.equal(t.failures, 0, summary(t));
  const onNew = cluster.activePods
    .filter((p) => !old.includes(p.name))
    .map((p) => t.perPod[p.name]?.calls ?? 0);
  assert.ok(onNew.length === 3 && onNew.every((n) => n > 0), `the new pods serve: ${summary(t)}`);
}
