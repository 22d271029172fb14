// What the scenario tests share: a bed, the SDK's client and the stock grpc-js client beside it,
// steady load through each, and the SDK's log lines.
import { after, before } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import {
  register,
  type ThickP2cOptions,
  type ThickRoundRobinOptions,
  thickChannelOptions,
} from '../../lib/index.js';
import type { LocalClusterOptions } from '../../lib/testing/cluster/options.js';
import { LocalCluster } from '../../lib/testing/cluster.js';
import { type EchoClient, makeEchoClient } from '../../lib/testing/echo-client.js';
import { LoadGenerator, type LoadResults } from '../../lib/testing/load.js';
import { BedDriver } from '../../lib/testing/scenarios/bed-driver.js';
import { describeLoad } from '../../lib/testing/scenarios/definitions.js';

/** Poll interval used by the scenarios: short so the suite stays fast; the logic scales with it. */
export const POLL_MS = 1000;
export const JITTER = 0.1;
export const TTL_SECONDS = 1;
export const RATE = 100;
export const DEADLINE_MS = 2000;

export const logs: { level: 'warn' | 'info'; message: string; at: number }[] = [];

export function registerForTests(): void {
  register({
    grpc,
    logger: {
      warn: (message) => logs.push({ level: 'warn', message, at: Date.now() }),
      info: (message) => logs.push({ level: 'info', message, at: Date.now() }),
      debug: () => {},
    },
  });
}

export async function startBed(options: LocalClusterOptions = {}): Promise<LocalCluster> {
  const cluster = await LocalCluster.start({ ttlSeconds: TTL_SECONDS, srv: false, ...options });
  console.log(`local cluster bed: DNS served by ${cluster.dnsKind} on ${cluster.dnsServer}`);
  return cluster;
}

/** A bed for the tests of one file: started before them, stopped after them (even when one fails). */
export function useBed(options: LocalClusterOptions): () => LocalCluster {
  let cluster: LocalCluster | undefined;
  before(async () => {
    registerForTests();
    cluster = await startBed(options);
  });
  after(async () => {
    await cluster?.stop();
  });
  return () => {
    if (!cluster) throw new Error('the bed did not start');
    return cluster;
  };
}

/** The SDK's client through the typed helper (its defaults, retries included), polling every POLL_MS. */
export function thickClient(cluster: LocalCluster, roundRobin: ThickRoundRobinOptions = {}): EchoClient {
  return makeEchoClient(
    cluster.target('dns-poll'),
    thickChannelOptions({ dns: { pollIntervalMs: POLL_MS, pollJitter: JITTER }, roundRobin }),
  );
}

/** The SDK's client with thick_p2c (its defaults, retries included). */
export function p2cClient(cluster: LocalCluster, p2c: ThickP2cOptions = {}): EchoClient {
  return makeEchoClient(
    cluster.target('dns-poll'),
    thickChannelOptions({ policy: 'thick_p2c', dns: { pollIntervalMs: POLL_MS, pollJitter: JITTER }, p2c }),
  );
}

/** Stock grpc-js as its docs suggest for a headless Service: dns: + round_robin. */
export function stockClient(cluster: LocalCluster, methodConfig?: object[]): EchoClient {
  return makeEchoClient(cluster.target('dns'), {
    'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }], methodConfig }),
  });
}

/** Steady open-loop load through one client. */
export function load(client: EchoClient, ratePerSecond = RATE, deadlineMs = DEADLINE_MS): LoadGenerator {
  // The gRPC deadline ends late calls (DEADLINE_EXCEEDED, as in production), not a client-side cancel.
  const generator = new LoadGenerator(({ deadlineMs: ms }) => client.call(ms));
  generator.start({ ratePerSecond, deadlineMs });
  return generator;
}

/** The health scenarios' deadline: hung pods must be found long before it, as the issue sets it. */
export const SHORT_DEADLINE_MS = 300;

export { sleep, waitFor } from '../helpers/wait.js';

/** A one-line summary for assertion messages (the shared scenarios' own). */
export const summary: (r: LoadResults) => string = describeLoad;

/**
 * The shared scenarios' driver for this bed: the SDK's client as thickClient() builds it, stock
 * grpc-js beside it, deleted pods with a preStop of poll + TTL + 1 s.
 */
export function bedDriver(cluster: LocalCluster): BedDriver {
  return new BedDriver(cluster, {
    pollIntervalMs: POLL_MS,
    pollJitter: JITTER,
    thickClient: () => thickClient(cluster),
    stockClient: () => stockClient(cluster),
  });
}

/** Channel options selecting thick_round_robin with this config, in the raw form users can write. */
export function rawOptions(policyConfig: object): Record<string, string | number> {
  return {
    'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ thick_round_robin: policyConfig }] }),
    'grpc-thick.poll_interval_ms': POLL_MS,
  };
}

/** Log lines since `since` (ms timestamp) that match `pattern`. */
export function logsSince(since: number, pattern: RegExp): string[] {
  return logs.filter((l) => l.at >= since && pattern.test(l.message)).map((l) => l.message);
}

/**
 * The SDK's client and stock grpc-js (dns: + round_robin) side by side under the same steady load:
 * `run` does what the scenario does; the results of both come back, and both clients are closed.
 */
export async function sideBySide(
  cluster: LocalCluster,
  ratePerSecond: number,
  deadlineMs: number,
  run: () => Promise<void>,
): Promise<{ thick: LoadResults; stock: LoadResults }> {
  const thick = thickClient(cluster);
  const stock = stockClient(cluster);
  try {
    await Promise.all([thick.call(5000), stock.call(5000)]);
    const thickLoad = load(thick, ratePerSecond, deadlineMs);
    const stockLoad = load(stock, ratePerSecond, deadlineMs);
    await run();
    const [t, s] = await Promise.all([thickLoad.stop(), stockLoad.stop()]);
    return { thick: t, stock: s };
  } finally {
    thick.close();
    stock.close();
  }
}
