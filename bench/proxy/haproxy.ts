// HAProxy 2.6 as the HTTP/2 proxy a user would put in front of the pods instead of this SDK:
// h2 on both sides, every request (call) balanced on its own (`balance roundrobin` in http mode).
// Started as a child of the bench from a config generated into a temp dir, killed by its pid.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { forgetTempDir, registerChild, registerTempDir, waitForExit } from '../../lib/testing/processes.js';

const HAPROXY = Object.freeze({
  host: '127.0.0.1',
  startTimeoutMs: 5000,
  probePeriodMs: 20,
  /** Linux reports process times in USER_HZ ticks, 100 per second on every architecture Node runs on. */
  ticksPerSecond: 100,
});

/** The configuration: what the issue names, plus connection reuse, the setting a tuned proxy has. */
export function haproxyConfig(port: number, backends: readonly string[]): string {
  return [
    'global',
    // The bench opens a handful of connections; a small maxconn keeps HAProxy under the fd limit.
    '  maxconn 1000',
    'defaults',
    '  mode http',
    '  timeout connect 5s',
    '  timeout client 60s',
    '  timeout server 60s',
    // Streams of all clients share the backend h2 connections, as Envoy or Linkerd do.
    '  http-reuse always',
    'frontend grpc',
    `  bind ${HAPROXY.host}:${port} proto h2`,
    '  default_backend pods',
    'backend pods',
    '  balance roundrobin',
    ...backends.map((address, i) => `  server s${i + 1} ${address} proto h2`),
    '',
  ].join('\n');
}

/** The haproxy executable on PATH, or undefined. */
export function findHaproxy(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'haproxy');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export class Haproxy {
  private constructor(
    readonly version: string,
    readonly address: string,
    private readonly child: ChildProcess,
    private readonly dir: string,
  ) {}

  static async start(executable: string, backends: readonly string[]): Promise<Haproxy> {
    const version = /version (\S+)/.exec(execFileSync(executable, ['-v'], { encoding: 'utf8' }))?.[1] ?? '?';
    const dir = mkdtempSync(join(tmpdir(), 'grpc-thick-bench-haproxy-'));
    registerTempDir(dir);
    const port = await freePort(HAPROXY.host);
    const configPath = join(dir, 'haproxy.cfg');
    writeFileSync(configPath, haproxyConfig(port, backends));
    // -db: stay in the foreground, a plain child of the bench.
    const child = spawn(executable, ['-db', '-f', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    registerChild(child);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const proxy = new Haproxy(version, `${HAPROXY.host}:${port}`, child, dir);
    const deadline = Date.now() + HAPROXY.startTimeoutMs;
    while (!(await canConnect(HAPROXY.host, port))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await proxy.stop();
        const alerts = stderr.split('\n').filter((line) => line.includes('ALERT'));
        throw new Error(`haproxy did not start on ${proxy.address}: ${alerts.join(' ') || stderr.trim()}`);
      }
      await sleep(HAPROXY.probePeriodMs);
    }
    return proxy;
  }

  /** CPU time the proxy used so far, µs (user + system, from /proc). */
  cpuUs(): number {
    const stat = readFileSync(`/proc/${this.child.pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at state; utime/stime are 14/15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1_000_000) / HAPROXY.ticksPerSecond;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await waitForExit(this.child);
    rmSync(this.dir, { recursive: true, force: true });
    forgetTempDir(this.dir);
  }
}
