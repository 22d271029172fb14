// The kind suite's manifests: loaded from test/kind/manifests, rendered for a run (image, replicas,
// a rollout, preStop off), and checked against the rules docs/kubernetes.md gives users. The
// numbers come from the SDK's defaults table, never written here twice.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment' with { 'resolution-mode': 'import' };
import type { IJob } from 'kubernetes-models/batch/v1/Job' with { 'resolution-mode': 'import' };
import type { IContainer } from 'kubernetes-models/v1/Container' with { 'resolution-mode': 'import' };
import type { IService } from 'kubernetes-models/v1/Service' with { 'resolution-mode': 'import' };
import { parseAllDocuments } from 'yaml';
import { RESOLVER_DEFAULTS, SHUTDOWN_DEFAULTS } from '../../lib/config/defaults.js';
import { minimumPreStopMs } from '../../lib/testing/scenarios/driver.js';

export const ROOT = join(__dirname, '..', '..', '..');
export const KIND_DIR = join(ROOT, 'test', 'kind');
export const MANIFEST_FILES = {
  service: 'manifests/service.yaml',
  deployment: 'manifests/deployment.yaml',
  job: 'manifests/load-job.yaml',
} as const;
/** The image name the manifests use; the runner tags its build with it. */
export const IMAGE = 'grpc-thick-client-kind:dev';
/** Kubernetes' default when a pod spec omits it. */
const DEFAULT_GRACE_SECONDS = 30;

export interface Manifests {
  readonly service: IService;
  readonly deployment: IDeployment;
  readonly job: IJob;
}

/** Every YAML document of a text, as plain objects; YAML errors throw with the file's name. */
export function parseYamlDocuments(text: string, file: string): unknown[] {
  return parseAllDocuments(text).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return doc.toJS() as unknown;
  });
}

export function readKindFile(relative: string): string {
  return readFileSync(join(KIND_DIR, relative), 'utf8');
}

function single(relative: string): unknown {
  const docs = parseYamlDocuments(readKindFile(relative), relative);
  if (docs.length !== 1) throw new Error(`${relative}: expected one document, found ${docs.length}`);
  return docs[0];
}

export function loadManifests(): Manifests {
  return {
    service: single(MANIFEST_FILES.service) as IService,
    deployment: single(MANIFEST_FILES.deployment) as IDeployment,
    job: single(MANIFEST_FILES.job) as IJob,
  };
}

/** A deep copy, for rendering and for the negative tests' mutations. */
export function clone<T>(value: T): T {
  return structuredClone(value);
}

export function serverContainer(deployment: IDeployment): IContainer {
  const container = deployment.spec?.template.spec?.containers[0];
  if (!container) throw new Error('the Deployment has no container');
  return container;
}

export function loadContainer(job: IJob): IContainer {
  const container = job.spec?.template.spec?.containers[0];
  if (!container) throw new Error('the Job has no container');
  return container;
}

function envValue(container: IContainer, name: string): string | undefined {
  return container.env?.find((e) => e.name === name)?.value;
}

function setEnv(container: IContainer, name: string, value: string | undefined): void {
  const env = (container.env ?? []).filter((e) => e.name !== name);
  if (value !== undefined) env.push({ name, value });
  container.env = env;
}

/** The preStop sleep in ms (the sleep action, or an exec of `sleep N`); 0 without one. */
export function preStopMs(container: IContainer): number {
  const preStop = container.lifecycle?.preStop;
  if (!preStop) return 0;
  if (preStop.sleep) return preStop.sleep.seconds * 1000;
  const command = preStop.exec?.command?.join(' ') ?? '';
  const match = /\bsleep\s+(\d+(?:\.\d+)?)\b/.exec(command);
  if (match) return Number(match[1]) * 1000;
  throw new Error(`preStop is neither a sleep action nor an exec of sleep: ${JSON.stringify(preStop)}`);
}

/** What the invariants check, each with the message a broken manifest gets. */
export function checkInvariants(m: Manifests, options: { readonly withoutPreStop?: boolean } = {}): string[] {
  const problems: string[] = [];
  const fail = (message: string) => problems.push(message);
  const serviceName = m.service.metadata?.name;
  const servicePort = m.service.spec?.ports?.find((p) => p.name === 'grpc') ?? m.service.spec?.ports?.[0];

  if (m.service.spec?.clusterIP !== 'None') {
    fail(`Service ${serviceName}: spec.clusterIP must be None (headless), so DNS answers with the pod IPs`);
  }
  const podLabels = m.deployment.spec?.template.metadata?.labels ?? {};
  const selector = m.service.spec?.selector ?? {};
  if (Object.keys(selector).length === 0 || !Object.entries(selector).every(([k, v]) => podLabels[k] === v)) {
    fail(
      `Service ${serviceName}: selector ${JSON.stringify(selector)} does not select the Deployment's pods`,
    );
  }

  const server = serverContainer(m.deployment);
  const grpcPort = server.ports?.find((p) => p.name === 'grpc')?.containerPort;
  if (servicePort === undefined || (servicePort.targetPort ?? servicePort.port) !== grpcPort) {
    fail(`Service ${serviceName}: targetPort must be the container's grpc port ${grpcPort}`);
  }
  const probe = server.readinessProbe;
  if (!probe?.grpc) {
    fail('Deployment: the server container needs a gRPC readinessProbe: only ready pods belong in DNS');
  } else if (probe.grpc.port !== grpcPort) {
    fail(`Deployment: the readinessProbe checks port ${probe.grpc.port}, the server listens on ${grpcPort}`);
  }
  const rolling = m.deployment.spec?.strategy?.rollingUpdate;
  if (String(rolling?.maxUnavailable ?? '25%') !== '0') {
    fail(
      'Deployment: rollingUpdate.maxUnavailable must be 0: a rollout must not take serving pods away first',
    );
  }

  const client = loadContainer(m.job);
  const pollIntervalMs = Number(envValue(client, 'POLL_INTERVAL_MS') ?? RESOLVER_DEFAULTS.pollIntervalMs);
  const preStop = preStopMs(server);
  if (preStop === 0 && !options.withoutPreStop) {
    fail(
      'Deployment: the server container needs a preStop sleep: clients keep sending until they poll the removal',
    );
  } else if (preStop > 0) {
    const floor = minimumPreStopMs({ pollIntervalMs });
    if (preStop < floor) {
      fail(
        `Deployment: preStop sleep ${preStop / 1000} s is shorter than poll interval × (1 + jitter) + DNS TTL + margin = ${floor / 1000} s (docs/kubernetes.md)`,
      );
    }
  }
  const drainDelayMs = Number(envValue(server, 'DRAIN_DELAY_MS') ?? SHUTDOWN_DEFAULTS.drainDelayMs);
  const helperGraceMs = Number(envValue(server, 'GRACE_PERIOD_MS') ?? SHUTDOWN_DEFAULTS.gracePeriodMs);
  const graceMs =
    (m.deployment.spec?.template.spec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS) * 1000;
  const needed = preStop + drainDelayMs + helperGraceMs;
  if (graceMs <= needed) {
    fail(
      `Deployment: terminationGracePeriodSeconds ${graceMs / 1000} must exceed preStop ${preStop / 1000} s + drain delay ${drainDelayMs / 1000} s + the shutdown helper's grace period ${helperGraceMs / 1000} s = ${needed / 1000} s`,
    );
  }
  const target = envValue(client, 'TARGET') ?? '';
  const expected = `dns-poll:///${serviceName}.`;
  if (!target.startsWith(expected) || !target.endsWith(`:${servicePort?.port}`)) {
    fail(`Job: TARGET ${target} must be ${expected}<namespace>.svc.cluster.local:${servicePort?.port}`);
  }
  for (const [what, container] of [
    ['Deployment', server],
    ['Job', client],
  ] as const) {
    if (container.image !== IMAGE)
      fail(`${what}: image ${container.image} is not the suite's image ${IMAGE}`);
  }
  return problems;
}

export interface RenderOptions {
  readonly image?: string;
  readonly replicas?: number;
  /** Changes the pod template, so applying it starts a rolling update. */
  readonly revision?: number;
  /** false: no preStop hook, and the shutdown helper's default drain delay does the waiting instead. */
  readonly preStop?: boolean;
}

/** The Deployment as the runner applies it. */
export function renderDeployment(base: IDeployment, options: RenderOptions = {}): IDeployment {
  const d = clone(base);
  const server = serverContainer(d);
  if (options.image) server.image = options.image;
  if (options.replicas !== undefined && d.spec) d.spec.replicas = options.replicas;
  if (options.revision !== undefined) setEnv(server, 'REVISION', String(options.revision));
  if (options.preStop === false) {
    delete server.lifecycle;
    setEnv(server, 'DRAIN_DELAY_MS', undefined);
  }
  return d;
}

export interface LoadJobOptions {
  readonly name: string;
  readonly image?: string;
  readonly env: Readonly<Record<string, string | number | undefined>>;
}

/** The load Job under its own name with its own settings (RATE, MAX_CALLS, CLIENT, ...). */
export function renderLoadJob(base: IJob, options: LoadJobOptions): IJob {
  const j = clone(base);
  j.metadata = { ...j.metadata, name: options.name };
  const client = loadContainer(j);
  if (options.image) client.image = options.image;
  for (const [name, value] of Object.entries(options.env)) {
    setEnv(client, name, value === undefined ? undefined : String(value));
  }
  return j;
}
