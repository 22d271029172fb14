// The kind image's example server and load client, run here on loopback as the image runs them
// (the app's folder with grpc-thick-client and @grpc/* in its node_modules): a kind run is not
// where to find out that an entrypoint does not start or prints no result line.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseLoadResult } from '../../lib/testing/scenarios/result-line.js';

const ROOT = join(__dirname, '..', '..', '..');
const APP_FILES = ['package.json', 'server.mjs', 'load-client.mjs'];
const POD = 'echo-smoke';
let app: string;
let port: number;
const children = new Set<ChildProcess>();

interface Run {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

function start(script: string, env: Record<string, string>): Run {
  const child = spawn(process.execPath, [join(app, script)], {
    cwd: app,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d;
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d;
  });
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      children.delete(child);
      resolve(code);
    });
  });
  return { child, output: () => output, exited };
}

async function until(run: Run, text: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!run.output().includes(text)) {
    if (Date.now() > end) assert.fail(`no "${text}" within ${timeoutMs} ms:\n${run.output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function exitOf(run: Run, timeoutMs = 20_000): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`still running after ${timeoutMs} ms:\n${run.output()}`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([run.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('the kind image entrypoints, on loopback', () => {
  let server: Run;

  before(async () => {
    assert.ok(
      existsSync(join(ROOT, 'dist/cjs/index.js')),
      'run `npm run build` first: the app imports the package',
    );
    app = mkdtempSync(join(tmpdir(), 'thick-kind-app-'));
    for (const file of APP_FILES) copyFileSync(join(ROOT, 'test/kind/app', file), join(app, file));
    mkdirSync(join(app, 'node_modules'));
    symlinkSync(ROOT, join(app, 'node_modules/grpc-thick-client'), 'dir');
    symlinkSync(join(ROOT, 'node_modules/@grpc'), join(app, 'node_modules/@grpc'), 'dir');
    port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    server = start('server.mjs', {
      HOST: '127.0.0.1',
      PORT: String(port),
      POD_NAME: POD,
      DRAIN_DELAY_MS: '0',
    });
    await until(server, 'serving on');
  });

  after(() => {
    for (const child of children) child.kill('SIGKILL');
    if (app) rmSync(app, { recursive: true, force: true });
  });

  it('the load client runs MAX_CALLS through the SDK and prints one result line', async () => {
    const load = start('load-client.mjs', {
      TARGET: `dns-poll:///127.0.0.1:${port}`,
      RATE: '200',
      MAX_CALLS: '100',
      DEADLINE_MS: '1000',
    });
    assert.equal(await exitOf(load), 0, load.output());
    const result = parseLoadResult(load.output());
    assert.ok(result, load.output());
    assert.equal(result.total, 100);
    assert.equal(result.failures, 0);
    assert.equal(result.perPod[POD]?.calls, 100);
  });

  it('on SIGTERM it stops, prints its result and exits 0; CLIENT=stock runs stock grpc-js', async () => {
    const load = start('load-client.mjs', { TARGET: `dns-poll:///127.0.0.1:${port}`, CLIENT: 'stock' });
    await until(load, 'load started');
    assert.match(load.output(), /stock grpc-js/);
    await new Promise((r) => setTimeout(r, 300));
    load.child.kill('SIGTERM');
    assert.equal(await exitOf(load), 0, load.output());
    const result = parseLoadResult(load.output());
    assert.ok(result && result.total > 0 && result.failures === 0, load.output());
  });

  it('without TARGET it says what to set and exits 2', async () => {
    const load = start('load-client.mjs', {});
    assert.equal(await exitOf(load), 2);
    assert.match(load.output(), /TARGET is not set/);
  });

  it('the server shuts down through gracefulShutdown on SIGTERM and exits 0', async () => {
    server.child.kill('SIGTERM');
    assert.equal(await exitOf(server), 0, server.output());
  });
});
