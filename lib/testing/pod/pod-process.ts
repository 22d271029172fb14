// The harness side of one pod process: fork, IPC requests with replies, signals, exit.
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { extname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { registerChild, waitForExit } from '../processes.js';
import {
  type ParentMessage,
  POD_CONFIG_ENV,
  type PodConfig,
  type PodMessage,
  type PodStats,
} from './protocol.js';

export const POD_PROCESS_DEFAULTS = Object.freeze({
  requestTimeoutMs: 2000,
  stderrTailLines: 20,
});

export interface PodExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type PodRequest = DistributiveOmit<ParentMessage, 'id'>;

/** The compiled pod entry beside this file (.js from build/ or dist/, .ts under a TS loader). */
export function podMainPath(): string {
  const own = join(__dirname, `pod-main${extname(__filename)}`);
  return existsSync(own) ? own : join(__dirname, 'pod-main.js');
}

export class PodProcess {
  readonly child: ChildProcess;
  /** Resolves with the bound address; rejects if the pod fails or exits before listening. */
  readonly listening: Promise<string>;
  readonly exited: Promise<PodExit>;
  private readonly stderrTail: string[] = [];
  private nextId = 1;
  private readonly waiting = new Map<
    number,
    { resolve: (s: PodStats) => void; reject: (e: Error) => void }
  >();
  private drainingListener: (() => void) | undefined;

  constructor(config: PodConfig, log?: (line: string) => void) {
    const env: NodeJS.ProcessEnv = { ...process.env, [POD_CONFIG_ENV]: JSON.stringify(config) };
    // A pod is not a test file, even when forked from one.
    delete env.NODE_TEST_CONTEXT;
    this.child = fork(podMainPath(), [], { env, execArgv: [], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    registerChild(this.child);
    this.exited = waitForExit(this.child);
    const forward = (stream: NodeJS.ReadableStream | null, tail: boolean): void => {
      if (!stream) return;
      createInterface({ input: stream }).on('line', (line) => {
        log?.(`[${config.name}] ${line}`);
        if (!tail) return;
        this.stderrTail.push(line);
        if (this.stderrTail.length > POD_PROCESS_DEFAULTS.stderrTailLines) this.stderrTail.shift();
      });
    };
    forward(this.child.stdout, false);
    forward(this.child.stderr, true);
    this.child.on('error', () => undefined);
    this.listening = new Promise<string>((resolve, reject) => {
      this.child.on('message', (message: PodMessage) => {
        if (message.type === 'listening') resolve(message.address);
        else if (message.type === 'fatal') reject(new Error(message.message));
        else if (message.type === 'draining') this.drainingListener?.();
        else if (message.type === 'reply') {
          this.waiting.get(message.id)?.resolve(message.stats);
          this.waiting.delete(message.id);
        }
      });
      void this.exited.then((exit) => {
        reject(
          new Error(`${config.name} exited (${exit.code ?? exit.signal}) before listening\n${this.stderr}`),
        );
        for (const pending of this.waiting.values()) pending.reject(new Error(`${config.name} exited`));
        this.waiting.clear();
      });
    });
    this.listening.catch(() => undefined);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null && this.child.pid !== undefined;
  }

  get stderr(): string {
    return this.stderrTail.join('\n');
  }

  onDraining(listener: () => void): void {
    this.drainingListener = listener;
  }

  /** Sends the signal if the process still runs; returns whether it was sent. */
  signal(signal: NodeJS.Signals): boolean {
    if (!this.alive) return false;
    try {
      return this.child.kill(signal);
    } catch {
      return false;
    }
  }

  request(message: PodRequest, timeoutMs: number = POD_PROCESS_DEFAULTS.requestTimeoutMs): Promise<PodStats> {
    if (!this.alive || !this.child.connected) return Promise.reject(new Error('pod process is not running'));
    const id = this.nextId++;
    return new Promise<PodStats>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`pod did not answer ${message.type} within ${timeoutMs} ms (hung?)`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (stats) => {
          clearTimeout(timer);
          resolve(stats);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.child.send({ ...message, id } as ParentMessage, (error) => {
        if (!error) return;
        this.waiting.get(id)?.reject(error);
        this.waiting.delete(id);
      });
    });
  }
}
