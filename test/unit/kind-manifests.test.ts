// The kind suite checked without a cluster: manifests against the Kubernetes schemas and the rules
// docs/kubernetes.md gives users, the kind config, the Dockerfile's commands, the workflow, and the
// docs' copy-paste manifests against the tested ones. Each check is also shown to fail on a broken
// input, with a message that says what is wrong.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PRESTOP_SIZING_DEFAULTS, RESOLVER_DEFAULTS } from '../../lib/config/defaults.js';
import { minimumPreStopMs } from '../../lib/testing/scenarios/driver.js';
import { withDnsTtl } from '../kind/cluster.js';
import { dockerfileProblems } from '../kind/dockerfile.js';
import {
  checkInvariants,
  clone,
  loadContainer,
  loadManifests,
  type Manifests,
  parseYamlDocuments,
  preStopMs,
  ROOT,
  readKindFile,
  renderDeployment,
  renderLoadJob,
  serverContainer,
} from '../kind/manifests.js';
import { kindConfigProblems, kubernetesSchemaProblems } from '../kind/schema.js';
import { workflowSchemaProblems, workflowStructureProblems } from '../kind/workflow.js';

const manifests = loadManifests();
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** The invariant problems after `mutate` changed a copy of the manifests. */
function brokenBy(mutate: (m: Manifests) => void): string[] {
  const m = clone(manifests);
  mutate(m);
  return checkInvariants(m);
}

describe('kind manifests: Kubernetes schemas', () => {
  for (const [what, object] of Object.entries(manifests)) {
    it(`${what} is valid against the schema, with no unknown field`, async () => {
      assert.deepEqual(await kubernetesSchemaProblems(object, what), []);
    });
  }

  it('the rendered variants the runner applies are valid too', async () => {
    const variants = [
      renderDeployment(manifests.deployment, { image: 'x:1', replicas: 5, revision: 3, preStop: false }),
      renderLoadJob(manifests.job, {
        name: 'echo-load-7',
        env: { RATE: 200, CLIENT: 'stock', MAX_CALLS: undefined },
      }),
    ];
    for (const v of variants) assert.deepEqual(await kubernetesSchemaProblems(v, 'rendered'), []);
  });

  it('fails on a wrong type, a misspelt field and an unknown kind', async () => {
    const d = clone(manifests.deployment) as unknown as { spec: Record<string, unknown> };
    d.spec.replicas = 'three';
    assert.match(
      (await kubernetesSchemaProblems(d, 'd')).join('\n'),
      /\/spec\/replicas: type \(type "integer"\)/,
    );
    const s = clone(manifests.service) as unknown as { spec: Record<string, unknown> };
    s.spec.clusterIp = s.spec.clusterIP;
    delete s.spec.clusterIP;
    assert.deepEqual(await kubernetesSchemaProblems(s, 's'), ['s: /spec/clusterIp: unknown field']);
    const c = clone(manifests.deployment) as unknown as {
      spec: { template: { spec: { containers: object[] } } };
    };
    Object.assign(c.spec.template.spec.containers[0]!, { readinesProbe: {} });
    assert.deepEqual(await kubernetesSchemaProblems(c, 'c'), [
      'c: /spec/template/spec/containers/0/readinesProbe: unknown field',
    ]);
    assert.match(
      (await kubernetesSchemaProblems({ apiVersion: 'v1', kind: 'Srevice' }, 'k'))[0]!,
      /no schema/,
    );
  });

  it('a YAML syntax error names the file', () => {
    assert.throws(() => parseYamlDocuments('spec:\n  ports: [\n', 'bad.yaml'), /bad\.yaml/);
  });

  it('the kind cluster config has the shape kind reads', () => {
    const [config] = parseYamlDocuments(readKindFile('kind-cluster.yaml'), 'kind-cluster.yaml');
    assert.deepEqual(kindConfigProblems(config, 'kind-cluster.yaml'), []);
    const broken = { ...(config as object), kind: 'Clusters', node: [] };
    assert.deepEqual(kindConfigProblems(broken, 'k'), ['k: kind must be Cluster', 'k: /node: unknown field']);
  });
});

describe('kind manifests: the rules of docs/kubernetes.md', () => {
  it('hold for the manifests', () => {
    assert.deepEqual(checkInvariants(manifests), []);
  });

  it('hold for the preStop-less Deployment the rolling-update scenario applies', () => {
    const m = { ...manifests, deployment: renderDeployment(manifests.deployment, { preStop: false }) };
    assert.equal(preStopMs(serverContainer(m.deployment)), 0);
    assert.deepEqual(checkInvariants(m, { withoutPreStop: true }), []);
  });

  it('size preStop from the defaults table: poll × (1 + jitter) + TTL + margin', () => {
    const floor = minimumPreStopMs();
    assert.equal(
      floor,
      RESOLVER_DEFAULTS.pollIntervalMs * (1 + RESOLVER_DEFAULTS.pollJitter) +
        PRESTOP_SIZING_DEFAULTS.dnsTtlMs +
        PRESTOP_SIZING_DEFAULTS.marginMs,
    );
    assert.equal(preStopMs(serverContainer(manifests.deployment)), Math.ceil(floor / 1000) * 1000);
  });

  it('fail when the Service is not headless', () => {
    assert.match(
      brokenBy((m) => delete m.service.spec?.clusterIP).join('\n'),
      /Service echo: spec\.clusterIP must be None \(headless\)/,
    );
  });

  it('fail without a gRPC readiness probe', () => {
    assert.match(
      brokenBy((m) => delete serverContainer(m.deployment).readinessProbe).join('\n'),
      /needs a gRPC readinessProbe/,
    );
  });

  it('fail when preStop is shorter than the formula, or missing', () => {
    const short = brokenBy((m) => {
      serverContainer(m.deployment).lifecycle = { preStop: { sleep: { seconds: 5 } } };
    });
    assert.match(short.join('\n'), /preStop sleep 5 s is shorter than .* = 12\.5 s/);
    const execSleep = brokenBy((m) => {
      serverContainer(m.deployment).lifecycle = {
        preStop: { exec: { command: ['/bin/sh', '-c', 'sleep 12'] } },
      };
    });
    assert.match(execSleep.join('\n'), /preStop sleep 12 s is shorter/);
    assert.match(
      brokenBy((m) => delete serverContainer(m.deployment).lifecycle).join('\n'),
      /needs a preStop sleep/,
    );
  });

  it('size preStop with the poll interval the client Job sets', () => {
    const slow = brokenBy((m) => {
      loadContainer(m.job).env?.push({ name: 'POLL_INTERVAL_MS', value: '10000' });
    });
    assert.match(slow.join('\n'), /preStop sleep 13 s is shorter than .* = 18 s/);
  });

  it('fail when the grace period does not exceed preStop + drain delay + the helper grace period', () => {
    const tight = brokenBy((m) => {
      m.deployment.spec!.template.spec!.terminationGracePeriodSeconds = 28;
    });
    assert.match(
      tight.join('\n'),
      /terminationGracePeriodSeconds 28 must exceed preStop 13 s \+ drain delay 0 s \+ .* = 28 s/,
    );
    const drain = brokenBy((m) => {
      const env = serverContainer(m.deployment).env!;
      env.find((e) => e.name === 'DRAIN_DELAY_MS')!.value = '10000';
    });
    assert.match(drain.join('\n'), /must exceed preStop 13 s \+ drain delay 10 s/);
  });

  it('fail when the Service does not select the pods, or the client targets another name', () => {
    assert.match(
      brokenBy((m) => {
        m.service.spec!.selector = { app: 'echo-v2' };
      }).join('\n'),
      /does not select the Deployment's pods/,
    );
    assert.match(
      brokenBy((m) => {
        loadContainer(m.job).env!.find((e) => e.name === 'TARGET')!.value = 'dns:///echo:50051';
      }).join('\n'),
      /Job: TARGET dns:\/\/\/echo:50051 must be dns-poll:\/\/\/echo\./,
    );
  });
});

describe('kind CoreDNS TTL', () => {
  const kubeadm = [
    '.:53 {',
    '    errors',
    '    kubernetes cluster.local in-addr.arpa ip6.arpa {',
    '       pods insecure',
    '       fallthrough in-addr.arpa ip6.arpa',
    '       ttl 30',
    '    }',
    '    cache 30',
    '}',
  ].join('\n');

  it("kubeadm's ttl 30 becomes the docs' TTL; the cache block is left alone", () => {
    const patched = withDnsTtl(kubeadm, PRESTOP_SIZING_DEFAULTS.dnsTtlMs / 1000);
    assert.equal(patched, kubeadm.replace('ttl 30', 'ttl 5'));
  });

  it('a kubernetes block without ttl gets one', () => {
    const patched = withDnsTtl(kubeadm.replace('       ttl 30\n', ''), 5);
    assert.match(patched, /fallthrough in-addr\.arpa ip6\.arpa\n {7}ttl 5\n {4}\}/);
  });
});

describe('kind Dockerfile', () => {
  const dockerfile = readKindFile('Dockerfile');
  const jobCommand = loadContainer(manifests.job).command ?? [];
  const check = (text: string) => dockerfileProblems(text, { context: ROOT, commands: [jobCommand] });

  it('copies files that exist, and holds the scripts the image and the Job run', () => {
    assert.deepEqual(jobCommand, ['node', '/app/load-client.mjs']);
    assert.deepEqual(check(dockerfile), []);
  });

  it('fails on a missing entrypoint, a missing source, a single stage', () => {
    assert.match(
      check(dockerfile.replace('/app/server.mjs"]', '/app/srever.mjs"]')).join('\n'),
      /\/app\/srever\.mjs .* is not copied into the runtime stage/,
    );
    assert.match(
      check(dockerfile.replace('test/kind/app/load-client.mjs', 'test/kind/app/load.mjs')).join('\n'),
      /COPY test\/kind\/app\/load\.mjs: not in the build context/,
    );
    const oneStage = dockerfile.slice(dockerfile.indexOf('FROM node:20-slim AS runtime'));
    assert.match(check(oneStage).join('\n'), /multi-stage build is expected/);
  });
});

describe('kind workflow', () => {
  const file = '.github/workflows/kind.yml';
  const engines = JSON.parse(read('package.json')) as {
    engines: { node: string };
    scripts: Record<string, string>;
  };
  const minNode = Number.parseInt(engines.engines.node.replace(/^\D+/, ''), 10);

  it("parses with GitHub's workflow parser and runs npm run test:kind", async () => {
    assert.deepEqual(await workflowSchemaProblems(read(file), file), []);
    assert.deepEqual(workflowStructureProblems(read(file), file, minNode), []);
    assert.equal(engines.scripts['test:kind'], 'node scripts/test.mjs kind');
  });

  it('fails on a broken workflow', async () => {
    const broken =
      'on: pushh\njobs:\n  a:\n    steps:\n      - uses: actions/checkout@v4\n        run: echo\n';
    const problems = await workflowSchemaProblems(broken, 'broken.yml');
    assert.ok(
      problems.some((p) => /Unexpected value 'pushh'/.test(p)),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => /Required property is missing: runs-on/.test(p)),
      problems.join('\n'),
    );
    assert.deepEqual(workflowStructureProblems(broken, 'broken.yml', minNode), [
      'broken.yml: job a has no runs-on',
      'broken.yml: job a step 1 needs exactly one of uses and run',
      'broken.yml: no step runs npm run test:kind',
      'broken.yml: actions/setup-node must install Node ≥ 20 (found undefined)',
    ]);
  });
});

describe('docs/kubernetes.md matches the tested manifests', () => {
  const text = read('docs/kubernetes.md');
  const blocks = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map(
    (m) => parseYamlDocuments(m[1]!, 'docs')[0],
  );
  const full = blocks.filter(
    (b): b is { kind: string } => typeof (b as { kind?: unknown })?.kind === 'string',
  );

  it('every complete manifest on the page is the tested one, and each tested one is there', () => {
    const tested = Object.values(manifests) as { kind: string }[];
    for (const block of full) {
      const same = tested.find((t) => t.kind === block.kind);
      assert.ok(same, `docs show a ${block.kind} the suite does not test`);
      assert.deepEqual(block, same, `docs' ${block.kind} differs from test/kind/manifests`);
    }
    for (const t of tested)
      assert.ok(
        full.some((b) => b.kind === t.kind),
        `docs lack the ${t.kind}`,
      );
  });

  it('the excerpts agree with the Deployment', () => {
    const server = serverContainer(manifests.deployment);
    const probe = blocks.find((b) => (b as { readinessProbe?: unknown })?.readinessProbe);
    assert.deepEqual((probe as { readinessProbe: unknown }).readinessProbe, server.readinessProbe);
    const sizing = blocks.find((b) => (b as { spec?: { containers?: unknown } })?.spec?.containers) as {
      spec: { terminationGracePeriodSeconds: number; containers: { lifecycle: unknown; env: unknown[] }[] };
    };
    const template = manifests.deployment.spec!.template.spec!;
    assert.equal(sizing.spec.terminationGracePeriodSeconds, template.terminationGracePeriodSeconds);
    assert.deepEqual(sizing.spec.containers[0]!.lifecycle, server.lifecycle);
    assert.deepEqual(
      sizing.spec.containers[0]!.env,
      server.env?.filter((e) => e.name === 'DRAIN_DELAY_MS'),
    );
  });

  it('the formula line computes from the defaults table', () => {
    const poll = RESOLVER_DEFAULTS.pollIntervalMs / 1000;
    const line = `= ${poll} s × ${1 + RESOLVER_DEFAULTS.pollJitter} + ${PRESTOP_SIZING_DEFAULTS.dnsTtlMs / 1000} s + ${PRESTOP_SIZING_DEFAULTS.marginMs / 1000} s ≈ ${Math.ceil(minimumPreStopMs() / 1000)} s`;
    assert.ok(text.includes(line), `docs/kubernetes.md should show the formula as "${line}"`);
  });
});
