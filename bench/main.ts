// `npm run bench [-- --smoke] [-- --out FILE] [-- --only fig,fig]`: every figure, every
// configuration, in one run. Prints the tables and targets; writes bench/results/latest.json.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, getPriority, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { register } from '../lib/index.js';
import { ClusterEnv } from './cluster-env.js';
import { CONFIGS } from './configs.js';
import { runChurn } from './figures/churn.js';
import { closedLoopShape, openLoopShape, runLoadFigure, slowPodShape } from './figures/load.js';
import { runPickCost } from './figures/pick-cost.js';
import { runScale } from './figures/scale.js';
import { FULL_PARAMS, SMOKE_PARAMS } from './params.js';
import { formatFigure, formatTargets, writeJson } from './report.js';
import type { FigureResult } from './results.js';
import { HostScenario } from './scale/scenario.js';
import { checkTargets, targets } from './targets.js';

const FIGURES = [
  'pickCost',
  'closedLoop',
  'openLoop',
  'slowPod',
  'slowPodSmallYoung',
  'scale',
  'churn',
] as const;
type Figure = (typeof FIGURES)[number];
const ROOT = join(__dirname, '..', '..');
const DEFAULT_OUT = join(ROOT, 'bench', 'results', 'latest.json');
/** Above this one-minute load per CPU, something else runs beside the bench: say so. */
const BUSY_LOAD_PER_CPU = 0.5;

function grpcJsVersion(): string {
  return (require('@grpc/grpc-js/package.json') as { version: string }).version;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      smoke: { type: 'boolean', default: false },
      out: { type: 'string' },
      only: { type: 'string' },
    },
  });
  const params = values.smoke ? SMOKE_PARAMS : FULL_PARAMS;
  const only = new Set((values.only?.split(',') ?? FIGURES) as Figure[]);
  for (const f of only)
    if (!FIGURES.includes(f)) throw new Error(`unknown figure ${f}: one of ${FIGURES.join(', ')}`);
  if (!(globalThis as { gc?: unknown }).gc)
    console.warn('bench: run with --expose-gc (npm run bench does) for GC between runs');
  register({ grpc });
  const startedAt = new Date();
  const load = loadavg();
  const busy = load[0]! > cpus().length * BUSY_LOAD_PER_CPU;
  if (busy) {
    console.log(
      `warning: load average ${load[0]!.toFixed(2)} on ${cpus().length} CPUs before the run: other work competes ` +
        'with the bench, expect wide spreads (min–max) and ratios that move between runs',
    );
  }
  const figures: FigureResult[] = [];
  let mark = Date.now();
  const done = (figure: FigureResult) => {
    figures.push(figure);
    console.log(formatFigure(figure));
    console.log(`(${((Date.now() - mark) / 1000).toFixed(1)} s)`);
    mark = Date.now();
  };

  if (only.has('pickCost')) done(await runPickCost(params));
  if (only.has('closedLoop') || only.has('openLoop')) {
    const env = await ClusterEnv.start(params, params.backends);
    try {
      if (env.scenario.proxySkipReason) console.log(`proxy skipped: ${env.scenario.proxySkipReason}`);
      const run = (shape: Parameters<typeof runLoadFigure>[0]) =>
        runLoadFigure(shape, env.callers, params.repetitions, env.proxy);
      if (only.has('closedLoop')) done(await run(closedLoopShape(params)));
      if (only.has('openLoop')) done(await run(openLoopShape(params)));
    } finally {
      await env.stop();
    }
  }
  if (only.has('slowPod')) {
    // Fresh pods and clients: the slow pod is slow from the clients' first call, as in the issue.
    const env = await ClusterEnv.start(params, params.slowPod.backends);
    try {
      await env.slowDown(params.slowPod.delayMs);
      done(await runLoadFigure(slowPodShape(params), env.callers, params.slowPod.repetitions, env.proxy));
    } finally {
      await env.stop();
    }
  }
  if (only.has('slowPodSmallYoung'))
    done(slowPodSmallYoung(params.slowPod.smallYoungGenerationMb, values.smoke));
  if (only.has('scale') || only.has('churn')) {
    const addresses = Math.max(params.scale.endpoints, params.churn.endpoints + params.churn.updates);
    const hosts = await HostScenario.start(addresses, params.scale.hostProcesses);
    try {
      if (only.has('scale')) done(await runScale(params, hosts));
      if (only.has('churn')) done(await runChurn(params, hosts));
    } finally {
      await hosts.stop();
    }
  }

  const results = checkTargets(targets(params), figures);
  console.log(formatTargets(results));
  const out = values.out ?? DEFAULT_OUT;
  writeJson(out, {
    meta: {
      startedAt: startedAt.toISOString(),
      durationS: (Date.now() - startedAt.getTime()) / 1000,
      smoke: values.smoke,
      node: process.version,
      grpcJs: grpcJsVersion(),
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      loadAverageBefore: load,
      loadAverageAfter: loadavg(),
      busyMachine: busy,
      niceness: getPriority(),
      params,
    },
    configs: CONFIGS.map((c) => ({ id: c.id, description: c.description, figures: c.figures })),
    figures,
    targets: results,
  });
  console.log(`\nwritten: ${out}`);
}

/**
 * Figure 6b: figure 6 again, in a client process of its own whose young generation is small, so
 * that its scavenges are short. With Node's default, each pauses the client for 5-28 ms on this
 * project's VMs (grpc-js and Node's http2 promote a fifth of what a call allocates, stock grpc-js
 * alike), and the p99 of every policy rests on those pauses instead of on the pods.
 */
function slowPodSmallYoung(megabytes: number, smoke: boolean): FigureResult {
  const dir = mkdtempSync(join(tmpdir(), 'grpc-thick-bench-6b-'));
  try {
    const out = join(dir, 'figure.json');
    const args = [
      '--expose-gc',
      `--max-semi-space-size=${megabytes}`,
      __filename,
      '--only',
      'slowPod',
      '--out',
      out,
      ...(smoke ? ['--smoke'] : []),
    ];
    const run = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (run.status !== 0) throw new Error(`figure 6b's client failed:\n${run.stdout}\n${run.stderr}`);
    const figure = (JSON.parse(readFileSync(out, 'utf8')) as { figures: FigureResult[] }).figures[0]!;
    return {
      ...figure,
      id: 'slowPodSmallYoung',
      title: `${figure.title.replace('Figure 6:', 'Figure 6b:')}, client with a ${megabytes} MB young generation`,
      notes: [
        ...figure.notes,
        `The client process runs with --max-semi-space-size=${megabytes}: its GC pauses stay short, so the p99 shows the pods and the policy. Figure 6 is the same with Node's default.`,
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
