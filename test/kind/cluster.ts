// The kind suite's cluster: created from test/kind/kind-cluster.yaml (or one named by
// GRPC_THICK_KIND_CLUSTER reused), the image built and loaded, CoreDNS set to the TTL the docs'
// formula assumes, one namespace per run; everything it created or changed is undone at the end.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRESTOP_SIZING_DEFAULTS } from '../../lib/config/defaults.js';
import { run } from './exec.js';
import { IMAGE, KIND_DIR, ROOT } from './manifests.js';

export const CLUSTER_ENV = 'GRPC_THICK_KIND_CLUSTER';
const MIN_MINOR = 30; // the preStop sleep action

export class Kubectl {
  constructor(
    readonly context: string,
    readonly namespace: string,
  ) {}

  run(args: readonly string[], options: { input?: string; timeoutMs?: number } = {}): Promise<string> {
    return run('kubectl', ['--context', this.context, '-n', this.namespace, ...args], options);
  }

  async json<T>(args: readonly string[]): Promise<T> {
    return JSON.parse(await this.run([...args, '-o', 'json'])) as T;
  }

  async apply(object: unknown): Promise<void> {
    await this.run(['apply', '-f', '-'], { input: JSON.stringify(object) });
  }
}

/** The Corefile with the kubernetes plugin's TTL set (added when the block has none: kubeadm's has). */
export function withDnsTtl(corefile: string, seconds: number): string {
  const block = /(\bkubernetes [^{\n]*\{)([^}]*)\}/;
  return corefile.replace(block, (_, head: string, body: string) => {
    const indent = /\n(\s*)\S/.exec(body)?.[1] ?? '   ';
    const next = /\bttl\s+\d+/.test(body)
      ? body.replace(/\bttl\s+\d+/, `ttl ${seconds}`)
      : `${body.replace(/\s*$/, '')}\n${indent}ttl ${seconds}\n${indent.slice(0, -3) || ''}`;
    return `${head}${next}}`;
  });
}

interface ConfigMap {
  data?: Record<string, string>;
}

export class KindCluster {
  readonly name: string;
  readonly reused: boolean;
  readonly kubectl: Kubectl;
  private created = false;
  private originalCorefile: string | undefined;

  constructor() {
    const named = process.env[CLUSTER_ENV];
    this.reused = Boolean(named);
    this.name = named || `grpc-thick-${process.pid}`;
    const namespace = `grpc-thick-kind-${Date.now().toString(36)}`;
    this.kubectl = new Kubectl(`kind-${this.name}`, namespace);
  }

  private system(args: readonly string[], timeoutMs?: number): Promise<string> {
    return run('kubectl', ['--context', this.kubectl.context, '-n', 'kube-system', ...args], {
      ...(timeoutMs ? { timeoutMs } : {}),
    });
  }

  async start(): Promise<void> {
    if (this.reused) {
      const clusters = (await run('kind', ['get', 'clusters'])).split('\n');
      if (!clusters.includes(this.name))
        throw new Error(`${CLUSTER_ENV}=${this.name}: kind has no such cluster`);
    } else {
      console.log(`creating kind cluster ${this.name}`);
      const config = join(KIND_DIR, 'kind-cluster.yaml');
      await run('kind', ['create', 'cluster', '--name', this.name, '--config', config, '--wait', '180s'], {
        timeoutMs: 600_000,
        inherit: true,
      });
      this.created = true;
    }
    const version = JSON.parse(
      await run('kubectl', ['--context', this.kubectl.context, 'version', '-o', 'json']),
    ) as { serverVersion?: { minor?: string } };
    const minor = Number.parseInt(version.serverVersion?.minor ?? '0', 10);
    if (minor < MIN_MINOR) throw new Error(`Kubernetes 1.${minor}: the manifests need ≥ 1.${MIN_MINOR}`);
    console.log(`building ${IMAGE}`);
    await run('docker', ['build', '-f', join(KIND_DIR, 'Dockerfile'), '-t', IMAGE, ROOT], {
      timeoutMs: 900_000,
      inherit: true,
    });
    await run('kind', ['load', 'docker-image', IMAGE, '--name', this.name], { timeoutMs: 300_000 });
    await this.setDnsTtl();
    await run('kubectl', ['--context', this.kubectl.context, 'create', 'namespace', this.kubectl.namespace]);
  }

  /**
   * kubeadm (so kind) configures CoreDNS with `ttl 30`; the docs' formula assumes the plugin's
   * default of 5 s, which is what users are told to set.
   */
  private async setDnsTtl(): Promise<void> {
    const map = JSON.parse(await this.system(['get', 'configmap', 'coredns', '-o', 'json'])) as ConfigMap;
    const corefile = map.data?.Corefile ?? '';
    const patched = withDnsTtl(corefile, PRESTOP_SIZING_DEFAULTS.dnsTtlMs / 1000);
    if (patched === corefile) return;
    this.originalCorefile = corefile;
    await this.writeCorefile(patched);
  }

  private async writeCorefile(corefile: string): Promise<void> {
    const patch = JSON.stringify({ data: { Corefile: corefile } });
    await this.system(['patch', 'configmap', 'coredns', '--type', 'merge', '-p', patch]);
    await this.restartDns();
  }

  async restartDns(): Promise<void> {
    await this.system(['rollout', 'restart', 'deployment/coredns']);
    await this.system(['rollout', 'status', 'deployment/coredns', '--timeout=180s'], 200_000);
  }

  /** What a failed scenario leaves for a human: pods, events, every log, in .tmp/kind-logs/<name>/. */
  async collectLogs(scenario: string): Promise<string> {
    const dir = join(ROOT, '.tmp', 'kind-logs', scenario.replace(/[^a-z0-9-]+/gi, '-'));
    mkdirSync(dir, { recursive: true });
    const k = this.kubectl;
    const collect: [string, readonly string[]][] = [
      ['resources.txt', ['get', 'pods,jobs,deployments,endpointslices', '-o', 'wide']],
      ['events.txt', ['get', 'events', '--sort-by=.lastTimestamp']],
      ['deployment.txt', ['describe', 'deployment', 'echo']],
      ['servers.log', ['logs', '-l', 'app=echo', '--prefix', '--tail=-1', '--timestamps']],
      ['load.log', ['logs', '-l', 'app=echo-load', '--prefix', '--tail=-1', '--timestamps']],
    ];
    for (const [file, args] of collect) {
      const text = await k.run(args).catch((e: unknown) => String(e));
      writeFileSync(join(dir, file), text);
    }
    const dns = await this.system(['logs', '-l', 'k8s-app=kube-dns', '--prefix', '--tail=200']).catch(String);
    writeFileSync(join(dir, 'coredns.log'), dns);
    console.log(`kind: logs of ${scenario} in ${dir}`);
    return dir;
  }

  /** Deletes what start() created and restores what it changed; never throws. */
  async stop(): Promise<void> {
    const attempt = async (what: string, fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (error) {
        console.log(`kind: could not ${what}: ${error instanceof Error ? error.message : error}`);
      }
    };
    if (this.created) {
      await attempt('delete the cluster', () =>
        run('kind', ['delete', 'cluster', '--name', this.name], { timeoutMs: 300_000 }),
      );
      return;
    }
    await attempt('delete the namespace', () =>
      run(
        'kubectl',
        ['--context', this.kubectl.context, 'delete', 'namespace', this.kubectl.namespace, '--timeout=180s'],
        {
          timeoutMs: 200_000,
        },
      ),
    );
    const original = this.originalCorefile;
    if (original !== undefined)
      await attempt('restore the CoreDNS config', () => this.writeCorefile(original));
  }
}
