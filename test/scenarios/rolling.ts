// A rolling update of 3 pods with no preStop, at 200 calls/s with 1 s deadlines, the SDK's client
// (helper defaults: retries on) beside stock grpc-js (dns: + round_robin). Shared by the variants
// with and without the server shutdown helper; the steps and assertions are the shared scenario's
// (lib/testing/scenarios), which the kind suite runs too.
import assert from 'node:assert/strict';
import type { LocalCluster } from '../../lib/testing/cluster.js';
import { rollingUpdate } from '../../lib/testing/scenarios/definitions.js';
import { bedDriver } from './bed.js';

export const ROLLING_RATE = 200;
export const ROLLING_DEADLINE_MS = 1000;

export async function rollingUpdateWithoutPreStop(cluster: LocalCluster, label: string): Promise<void> {
  assert.equal(cluster.activePods.length, 3);
  await rollingUpdate(bedDriver(cluster), {
    preStop: false,
    label,
    report: console.log,
    ratePerSecond: ROLLING_RATE,
    deadlineMs: ROLLING_DEADLINE_MS,
  });
}
