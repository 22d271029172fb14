// Running docker, kind and kubectl from the kind suite: bounded in time, stderr in the error.
import { spawn, spawnSync } from 'node:child_process';
import { ROOT } from './manifests.js';

export interface RunOptions {
  readonly input?: string;
  readonly timeoutMs?: number;
  /** Stream the command's output to this process's (long builds). */
  readonly inherit?: boolean;
}

export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d;
      if (options.inherit) process.stdout.write(d);
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d;
      if (options.inherit) process.stderr.write(d);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else {
        const how = signal ? `killed by ${signal} (time limit)` : `exit ${code}`;
        reject(new Error(`${command} ${args.join(' ')}: ${how}\n${stderr.trim()}`));
      }
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Why this machine cannot run the kind suite, or undefined when it can. */
export function whyNoKind(): string | undefined {
  const check = (command: string, args: string[], missing: string): string | undefined => {
    const result = spawnSync(command, args, { encoding: 'utf8', timeout: 30_000 });
    if (result.error) {
      const code = (result.error as NodeJS.ErrnoException).code;
      return code === 'ENOENT' ? missing : `${command} ${args.join(' ')}: ${result.error.message}`;
    }
    if (result.status !== 0) {
      const said = (result.stderr || result.stdout).trim().split('\n').filter(Boolean).at(-1) ?? '';
      return `\`${command} ${args.join(' ')}\` failed (exit ${result.status}): ${said}`;
    }
    return undefined;
  };
  return (
    check('docker', ['info'], 'docker is not installed: the kind suite needs a Docker engine') ??
    check(
      'kind',
      ['version'],
      'kind is not installed (https://kind.sigs.k8s.io/docs/user/quick-start/#installation)',
    ) ??
    check('kubectl', ['version', '--client'], 'kubectl is not installed')
  );
}
