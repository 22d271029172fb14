// `npm run test:kind`: the shared scenarios (lib/testing/scenarios) in a real Kubernetes cluster.
// Without a Docker engine (or kind, or kubectl) every scenario is reported skipped with the reason,
// never passed; GRPC_THICK_KIND_REQUIRED=1 (CI that has them) turns that into a failure instead.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as scenarios from '../../lib/testing/scenarios/definitions.js';
import { CLUSTER_ENV, KindCluster } from './cluster.js';
import { whyNoKind } from './exec.js';
import { KindDriver } from './kind-driver.js';
import { checkInvariants, loadManifests } from './manifests.js';

const SCENARIO_TIMEOUT_MS = 15 * 60_000;

interface KindScenario {
  readonly name: string;
  readonly replicas: number;
  readonly run: (driver: KindDriver) => Promise<unknown>;
}

const SCENARIOS: readonly KindScenario[] = [
  {
    name: 'steady state: 3000 calls spread over 3 pods within max/min ≤ 1.1, none failed',
    replicas: 3,
    run: (d) => scenarios.steadyState(d, { replicas: 3, calls: 3000, ratePerSecond: 600, maxRatio: 1.1 }),
  },
  {
    name: 'scale up 3 → 5: new pods get calls within one poll + TTL + 2 s, none failed; stock grpc-js never finds them',
    replicas: 3,
    run: (d) => scenarios.scaleUp(d, { replicas: 5, compareStock: true }),
  },
  {
    name: 'scale down 5 → 3 with preStop 13 s: none failed, removed pods get no call once polled',
    replicas: 5,
    run: (d) => scenarios.scaleDown(d, { replicas: 3 }),
  },
  {
    name: 'rolling update without preStop (servers with gracefulShutdown): none failed, new pods serve',
    replicas: 3,
    run: (d) =>
      scenarios.rollingUpdate(d, {
        preStop: false,
        label: 'kind, gracefulShutdown drain delay',
        report: console.log,
      }),
  },
  {
    name: 'rolling update with preStop: none failed, new pods serve',
    replicas: 3,
    run: (d) =>
      scenarios.rollingUpdate(d, { preStop: true, label: 'kind, preStop 13 s', report: console.log }),
  },
  {
    name: 'pod deletion: none failed, the deleted pod gets no call once polled, its replacement does',
    replicas: 3,
    run: (d) => scenarios.podDeletion(d),
  },
  {
    name: 'CoreDNS restart: none failed, every pod keeps getting calls',
    replicas: 3,
    run: (d) => scenarios.dnsRestart(d),
  },
];

const missing = whyNoKind();

if (missing !== undefined) {
  const reason = `kind suite skipped: ${missing}`;
  console.log(reason);
  describe('kind suite', () => {
    if (process.env.GRPC_THICK_KIND_REQUIRED) {
      it('needs Docker, kind and kubectl (GRPC_THICK_KIND_REQUIRED is set)', () => assert.fail(reason));
      return;
    }
    for (const scenario of SCENARIOS) it(scenario.name, { skip: reason }, () => {});
  });
} else {
  describe(`kind suite${process.env[CLUSTER_ENV] ? ` on cluster ${process.env[CLUSTER_ENV]}` : ''}`, () => {
    const cluster = new KindCluster();
    let driver: KindDriver | undefined;

    before(
      async () => {
        assert.deepEqual(checkInvariants(loadManifests()), [], 'the manifests break the rules they test');
        await cluster.start();
        driver = new KindDriver(cluster);
      },
      { timeout: SCENARIO_TIMEOUT_MS },
    );
    after(() => cluster.stop(), { timeout: SCENARIO_TIMEOUT_MS });

    for (const scenario of SCENARIOS) {
      it(scenario.name, { timeout: SCENARIO_TIMEOUT_MS }, async () => {
        if (!driver) throw new Error('the kind cluster did not start');
        try {
          await driver.deploy(scenario.replicas);
          await scenario.run(driver);
        } catch (error) {
          await cluster.collectLogs(scenario.name.split(':')[0]!);
          throw error;
        }
      });
    }
  });
}
