// The cluster scenarios, written once: their steps and what they assert. The local bed's tests and
// the kind suite run these same functions through their own ScenarioDriver.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  dnsChangeBoundMs,
  type LoadSummary,
  type ScenarioDriver,
  type ScenarioLoad,
  type ScenarioLoadOptions,
} from './driver.js';

/**
 * The load of each scenario unless told otherwise: the issues' figures (3000 calls at 600/s spread
 * within max/min ≤ 1.1; 100 calls/s through changes), with deadlines far above a healthy call.
 */
export const SCENARIO_DEFAULTS = Object.freeze({
  steadyRatePerSecond: 600,
  steadyCalls: 3000,
  steadyMaxRatio: 1.1,
  ratePerSecond: 100,
  deadlineMs: 2000,
});

/** One line for assertion messages: totals, failures by code with a sample, calls per pod. */
export function describeLoad(r: LoadSummary): string {
  const perPod = Object.entries(r.perPod)
    .map(([pod, s]) => `${pod}:${s.calls}`)
    .join(' ');
  const failures = Object.entries(r.failuresByCode)
    .map(([code, f]) => `${code}×${f.count} (${f.samples[0] ?? ''})`)
    .join('; ');
  const committed = r.committedFailures > 0 ? ` (${r.committedFailures} committed)` : '';
  return `total ${r.total}, failures ${r.failures}${committed} ${failures} | ${perPod}`;
}

export interface SteadyStateOptions {
  readonly replicas: number;
  readonly calls?: number;
  readonly ratePerSecond?: number;
  readonly deadlineMs?: number;
  /** Largest busiest/idlest pod ratio accepted. */
  readonly maxRatio?: number;
}

/** Steady state: every pod gets an even share, no call fails. */
export async function steadyState(driver: ScenarioDriver, options: SteadyStateOptions): Promise<LoadSummary> {
  const load = await driver.startLoad({
    ratePerSecond: options.ratePerSecond ?? SCENARIO_DEFAULTS.steadyRatePerSecond,
    deadlineMs: options.deadlineMs ?? SCENARIO_DEFAULTS.deadlineMs,
    maxCalls: options.calls ?? SCENARIO_DEFAULTS.steadyCalls,
    settleMs: 300, // every pod connected
  });
  const results = await load.done;
  assert.equal(results.failures, 0, describeLoad(results));
  const counts = (await driver.readyPods()).map((p) => results.perPod[p]?.calls ?? 0);
  assert.equal(counts.length, options.replicas);
  const ratio = options.maxRatio ?? SCENARIO_DEFAULTS.steadyMaxRatio;
  assert.ok(
    Math.min(...counts) > 0 && Math.max(...counts) / Math.min(...counts) <= ratio,
    `max/min should be ≤ ${ratio}: ${describeLoad(results)}`,
  );
  return results;
}

interface LoadShape {
  readonly ratePerSecond?: number;
  readonly deadlineMs?: number;
  /** Run stock grpc-js under the same load beside the SDK, when the driver can. */
  readonly compareStock?: boolean;
}

/** The SDK's client and, when asked and possible, stock grpc-js beside it under the same load. */
async function sideBySide(
  driver: ScenarioDriver,
  shape: LoadShape,
  defaults: { ratePerSecond: number; deadlineMs: number },
  run: () => Promise<void>,
): Promise<{ thick: LoadSummary; stock: LoadSummary | undefined }> {
  const options: ScenarioLoadOptions = {
    ratePerSecond: shape.ratePerSecond ?? defaults.ratePerSecond,
    deadlineMs: shape.deadlineMs ?? defaults.deadlineMs,
  };
  const stockToo = (shape.compareStock ?? true) && driver.supportsStock;
  const [thick, stock] = await Promise.all([
    driver.startLoad(options),
    stockToo ? driver.startLoad({ ...options, client: 'stock' }) : undefined,
  ]);
  const loads: ScenarioLoad[] = stock ? [thick, stock] : [thick];
  try {
    await run();
  } catch (error) {
    await Promise.all(loads.map((l) => l.stop().catch(() => undefined)));
    throw error;
  }
  const [t, s] = await Promise.all([thick.stop(), stock?.stop()]);
  return { thick: t, stock: s };
}

/**
 * The SDK's client alone under the scenarios' default steady load: `run` starts after 1 s of it and
 * does what the scenario does; returns the load's results.
 */
async function thickUnderSteadyLoad(
  driver: ScenarioDriver,
  shape: LoadShape,
  run: () => Promise<void>,
): Promise<LoadSummary> {
  const { thick } = await sideBySide(
    driver,
    { ...shape, compareStock: false },
    { ratePerSecond: SCENARIO_DEFAULTS.ratePerSecond, deadlineMs: SCENARIO_DEFAULTS.deadlineMs },
    async () => {
      await sleep(1000);
      await run();
    },
  );
  return thick;
}

export interface ScaleUpOptions extends LoadShape {
  readonly replicas: number;
}

/**
 * Scale up under load: every new pod gets its first call within one DNS change bound + 1 s of
 * being in DNS, no call fails; stock grpc-js (when compared) never finds the new pods.
 */
export async function scaleUp(driver: ScenarioDriver, options: ScaleUpOptions): Promise<LoadSummary> {
  const bound = dnsChangeBoundMs(driver.timing) + 1000;
  let added: { name: string; at: number }[] = [];
  const { thick: t, stock: s } = await sideBySide(
    driver,
    options,
    { ratePerSecond: 100, deadlineMs: 2000 },
    async () => {
      await sleep(1500);
      added = await driver.scaleUp(options.replicas);
      await sleep(bound + 2000);
    },
  );
  assert.equal(t.failures, 0, `SDK: ${describeLoad(t)}`);
  assert.ok(added.length > 0, 'the scale-up added no pod');
  for (const { name, at } of added) {
    const first = t.perPod[name]?.firstAt;
    assert.ok(first !== undefined, `SDK never called new pod ${name}: ${describeLoad(t)}`);
    assert.ok(
      first - at <= bound,
      `SDK first call to ${name} came ${first - at} ms after it was in DNS (bound ${bound})`,
    );
  }
  if (s) {
    assert.equal(s.failures, 0, `stock: ${describeLoad(s)}`);
    for (const { name } of added) {
      assert.equal(
        s.perPod[name],
        undefined,
        `stock grpc-js is not expected to find ${name}: ${describeLoad(s)}`,
      );
    }
    assert.ok(
      Object.keys(s.perPod).length >= 2,
      `stock client did balance over the old pods: ${describeLoad(s)}`,
    );
  }
  return t;
}

export interface ScaleDownOptions {
  readonly replicas: number;
  readonly ratePerSecond?: number;
  readonly deadlineMs?: number;
}

/**
 * Scale down under load, pods with a preStop sized by the formula: no call fails, a removed pod
 * gets no call once the removal is polled, every remaining pod keeps serving.
 */
export async function scaleDown(driver: ScenarioDriver, options: ScaleDownOptions): Promise<LoadSummary> {
  let removed: { name: string; at: number }[] = [];
  const results = await thickUnderSteadyLoad(driver, options, async () => {
    removed = await driver.scaleDown(options.replicas);
    await sleep(500);
  });
  assert.equal(results.failures, 0, describeLoad(results));
  assert.ok(removed.length > 0, 'the scale-down removed no pod');
  assertNoCallAfterRemoval(driver, results, removed);
  for (const pod of await driver.readyPods()) {
    assert.ok((results.perPod[pod]?.calls ?? 0) > 0, `${pod} kept serving: ${describeLoad(results)}`);
  }
  return results;
}

function assertNoCallAfterRemoval(
  driver: ScenarioDriver,
  results: LoadSummary,
  removed: readonly { name: string; at: number }[],
): void {
  const polled = dnsChangeBoundMs(driver.timing) + 250; // the next poll, plus calls already on the wire
  for (const { name, at } of removed) {
    const last = results.perPod[name]?.lastAt ?? 0;
    assert.ok(last - at <= polled, `${name} got a call ${last - at} ms after leaving DNS (bound ${polled})`);
  }
}

export interface RollingUpdateOptions extends LoadShape {
  readonly preStop: boolean;
  /** Says which servers are rolled, in the reported line. */
  readonly label?: string;
  /** Receives one line with both clients' failed calls (a test prints it); default: nowhere. */
  readonly report?: (line: string) => void;
}

/** A rolling update under load: no call fails (stock grpc-js's failures are reported beside), the new pods serve. */
export async function rollingUpdate(
  driver: ScenarioDriver,
  options: RollingUpdateOptions,
): Promise<LoadSummary> {
  const old = await driver.readyPods();
  const { thick: t, stock: s } = await sideBySide(
    driver,
    options,
    { ratePerSecond: 200, deadlineMs: 1000 },
    async () => {
      await sleep(1000);
      await driver.rollingUpdate({ preStop: options.preStop });
      await sleep(2000);
    },
  );
  const what = `rolling update ${options.preStop ? 'with' : 'without'} preStop (${options.label ?? driver.label})`;
  options.report?.(
    `${what}: failed calls ${t.failures} with grpc-thick-client${s ? `, ${s.failures} with stock grpc-js` : ''}`,
  );
  assert.equal(t.failures, 0, describeLoad(t));
  const onNew = (await driver.readyPods())
    .filter((p) => !old.includes(p))
    .map((p) => t.perPod[p]?.calls ?? 0);
  assert.ok(
    onNew.length === old.length && onNew.every((n) => n > 0),
    `the new pods serve: ${describeLoad(t)}`,
  );
  return t;
}

export interface LoadOnlyOptions {
  readonly ratePerSecond?: number;
  readonly deadlineMs?: number;
}

/** One pod deleted (an eviction): no call fails, it gets none once polled, its replacement gets calls. */
export async function podDeletion(
  driver: ScenarioDriver,
  options: LoadOnlyOptions = {},
): Promise<LoadSummary> {
  let event: Awaited<ReturnType<ScenarioDriver['deletePod']>> | undefined;
  const results = await thickUnderSteadyLoad(driver, options, async () => {
    const [victim] = await driver.readyPods();
    assert.ok(victim, 'a pod to delete');
    event = await driver.deletePod(victim);
    await sleep(dnsChangeBoundMs(driver.timing) + 2000);
  });
  assert.ok(event, 'a pod was deleted');
  assert.equal(results.failures, 0, describeLoad(results));
  assertNoCallAfterRemoval(driver, results, [event.removed]);
  const replacement = results.perPod[event.replacement.name];
  assert.ok(replacement && replacement.calls > 0, `the replacement pod gets calls: ${describeLoad(results)}`);
  return results;
}

/** The cluster DNS restarts under load: the last good set is kept, no call fails, every pod keeps serving. */
export async function dnsRestart(
  driver: ScenarioDriver,
  options: LoadOnlyOptions = {},
): Promise<LoadSummary> {
  let restarted = Number.POSITIVE_INFINITY;
  const results = await thickUnderSteadyLoad(driver, options, async () => {
    await driver.restartDns();
    restarted = Date.now();
    await sleep(dnsChangeBoundMs(driver.timing) + 1000);
  });
  assert.equal(results.failures, 0, describeLoad(results));
  for (const pod of await driver.readyPods()) {
    const stats = results.perPod[pod];
    assert.ok(stats && stats.lastAt >= restarted, `${pod} kept getting calls: ${describeLoad(results)}`);
  }
  return results;
}
