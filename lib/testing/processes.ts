// Every process (and temp dir) the bed starts is registered here, so it dies with the harness: on
// teardown, on process 'exit' (a failed test, process.exit), on SIGINT/SIGTERM/SIGHUP, and through
// the reaper process even when the harness is SIGKILLed.
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { ReaperMessage } from './reaper-main.js';

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();
const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let installed = false;
let reaper: ChildProcess | undefined;

function reaperPath(): string {
  const own = join(__dirname, `reaper-main${extname(__filename)}`);
  return existsSync(own) ? own : join(__dirname, 'reaper-main.js');
}

/** Started once per harness process and unref'd: it never keeps the harness alive. */
function tellReaper(message: ReaperMessage): void {
  if (!reaper?.connected) {
    if ('forget' in message || 'forgetDir' in message) return;
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    reaper = fork(reaperPath(), [], { env, execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    reaper.on('error', () => undefined);
    reaper.unref();
    reaper.channel?.unref();
  }
  try {
    reaper.send(message, () => undefined);
  } catch {
    // The reaper is a safety net only.
  }
}

function killAllNow(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill('SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
}

function onSignal(signal: NodeJS.Signals): void {
  killAllNow();
  // Behave as if we were not there: with no other listener, let the signal end the process.
  if (process.listenerCount(signal) === 1) {
    uninstall();
    process.kill(process.pid, signal);
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAllNow);
  for (const signal of FORWARDED_SIGNALS) process.on(signal, onSignal);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  // Let the idle reaper exit while we are alive to reap it (PID 1 here reaps no orphans).
  if (reaper?.connected) reaper.disconnect();
  reaper = undefined;
  process.off('exit', killAllNow);
  for (const signal of FORWARDED_SIGNALS) process.off(signal, onSignal);
}

function uninstallWhenIdle(): void {
  if (children.size === 0 && tempDirs.size === 0) uninstall();
}

/** A temp dir removed if the harness dies before removing it itself (forgetTempDir). */
export function registerTempDir(dir: string): void {
  tempDirs.add(dir);
  install();
  tellReaper({ watchDir: dir });
}

export function forgetTempDir(dir: string): void {
  if (!tempDirs.delete(dir)) return;
  tellReaper({ forgetDir: dir });
  uninstallWhenIdle();
}

/** Tracks `child` until it exits; handlers are installed only while children are alive. */
export function registerChild(child: ChildProcess): void {
  children.add(child);
  install();
  const pid = child.pid;
  if (pid !== undefined) tellReaper({ watch: pid });
  const forget = (): void => {
    if (pid !== undefined && children.has(child)) tellReaper({ forget: pid });
    children.delete(child);
    uninstallWhenIdle();
  };
  child.once('exit', forget);
  // A child that failed to spawn never emits 'exit'.
  child.once('error', () => {
    if (child.pid === undefined) forget();
  });
}

/** True while the pid names a live process (zombies are reaped by Node, so they do not count long). */
export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Resolves with the exit of `child` (immediately when it already exited). */
export function waitForExit(
  child: ChildProcess,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}
