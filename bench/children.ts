// The bench's child processes (backend hosts, the scale client): forked with an IPC channel,
// registered with the bed's process registry so they die with the bench whatever happens, and
// asked questions by id.
import { type ChildProcess, fork } from 'node:child_process';
import { registerChild, waitForExit } from '../lib/testing/processes.js';

/** Longer than any answer a child owes; a child silent for this long is broken. */
const REQUEST_TIMEOUT_MS = 120_000;
/** A child exits at once on disconnect; one still there after this is killed. */
const EXIT_GRACE_MS = 2000;

/** A child reported `fatal` before the message awaited. */
export class ChildFatalError extends Error {
  constructor(readonly report: Readonly<Record<string, unknown>>) {
    super(String(report.message));
  }
}

interface Waiter {
  readonly resolve: (message: unknown) => void;
  readonly reject: (error: Error) => void;
}

export class BenchChild {
  readonly process: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiter>();
  private readonly listeners = new Set<(message: { type: string }) => void>();

  constructor(modulePath: string, env: NodeJS.ProcessEnv, execArgv: readonly string[] = []) {
    const childEnv = { ...process.env, ...env };
    // A bench child is not a test file, even when the smoke test forks the bench.
    delete childEnv.NODE_TEST_CONTEXT;
    this.process = fork(modulePath, [], {
      env: childEnv,
      execArgv: [...execArgv],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    registerChild(this.process);
    this.exited = waitForExit(this.process);
    this.process.on('message', (message: { type: string; id?: number }) => {
      if (message.id !== undefined && this.waiting.has(message.id)) {
        this.waiting.get(message.id)!.resolve(message);
        this.waiting.delete(message.id);
      }
      for (const listener of this.listeners) listener(message);
    });
    void this.exited.then((exit) => {
      for (const waiter of this.waiting.values()) {
        waiter.reject(new Error(`${modulePath} exited (${exit.code ?? exit.signal})`));
      }
      this.waiting.clear();
    });
  }

  /** The first message of `type` (or a rejection if the child exits or reports `fatal` first). */
  once<T extends { type: string }>(type: T['type']): Promise<T> {
    return new Promise((resolve, reject) => {
      const listener = (message: { type: string }): void => {
        if (message.type !== type && message.type !== 'fatal') return;
        this.listeners.delete(listener);
        if (message.type === 'fatal') reject(new ChildFatalError(message as Record<string, unknown>));
        else resolve(message as T);
      };
      this.listeners.add(listener);
      void this.exited.then((exit) => {
        if (!this.listeners.delete(listener)) return;
        reject(new Error(`child exited (${exit.code ?? exit.signal}) before sending ${type}`));
      });
    });
  }

  request<T>(message: { type: string } & Record<string, unknown>): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`no answer to ${message.type} within ${REQUEST_TIMEOUT_MS} ms`));
      }, REQUEST_TIMEOUT_MS);
      this.waiting.set(id, {
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.process.send({ ...message, id });
    });
  }

  /**
   * Ends the child by its pid: a disconnect first (children exit on it, writing any CPU profile),
   * SIGKILL if it is still there after a moment.
   */
  async kill(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    if (this.process.connected) this.process.disconnect();
    const timer = setTimeout(() => this.process.kill('SIGKILL'), EXIT_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }
}
