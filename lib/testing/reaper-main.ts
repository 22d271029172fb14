// A watchdog process: the harness tells it which pids it started; if the harness dies without
// cleaning up (even by SIGKILL), the IPC channel closes and this SIGKILLs those pids. It covers what
// cannot clean up after itself: a SIGSTOPped pod, and dnsmasq (no IPC channel).
import { readFileSync, rmSync } from 'node:fs';

export type ReaperMessage =
  | { readonly watch: number }
  | { readonly forget: number }
  | { readonly watchDir: string }
  | { readonly forgetDir: string };

/** Field 22 of /proc/<pid>/stat: tells a reused pid from the one we were given (Linux only). */
export function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function main(): void {
  const watched = new Map<number, string | undefined>();
  const dirs = new Set<string>();
  process.on('message', (message: ReaperMessage) => {
    if ('watch' in message) watched.set(message.watch, startTime(message.watch));
    else if ('forget' in message) watched.delete(message.forget);
    else if ('watchDir' in message) dirs.add(message.watchDir);
    else dirs.delete(message.forgetDir);
  });
  process.on('disconnect', () => {
    for (const [pid, started] of watched) {
      if (started !== undefined && startTime(pid) !== started) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
}

if (require.main === module) main();
