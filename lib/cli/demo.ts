import { parseArgs } from 'node:util';
import { CliError, type Command } from './command.js';
import { LiveTable, liveLines, stepLine, summaryLines } from './demo-render.js';
import { DemoWalk } from './demo-walk.js';

const REDRAW_MS = 250;

const HELP = `usage: grpc-thick-client demo [--quick] [--json]

Starts a local cluster bed (pods as processes on loopback addresses, a DNS server for their headless
name) and runs stock grpc-js (dns: + round_robin) and this SDK (thick_p2c) side by side at a steady
call rate through a scale-up, a rolling update without preStop, a frozen pod and a failing pod.

  --quick   a shorter walk (about 30 s instead of a minute)
  --json    print the summary as JSON on stdout (progress goes to stderr)`;

/** `grpc-thick-client demo`: the problem this library solves, and the fix, in one command. */
export const demo: Command = async (args) => {
  let values: { quick?: boolean; json?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        quick: { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n\n${HELP}`);
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const json = values.json === true;
  // Progress goes where it does not mix with the JSON.
  const progress = json ? process.stderr : process.stdout;
  const walk = new DemoWalk(values.quick === true);
  const live = progress.isTTY ? new LiveTable(progress) : null;
  const timer = live ? setInterval(() => live.draw(liveLines(walk.view())), REDRAW_MS) : null;
  let report: Awaited<ReturnType<DemoWalk['run']>>;
  try {
    report = await walk.run((index) => {
      if (!live) progress.write(`${stepLine(index)}\n`);
    });
  } finally {
    if (timer) clearInterval(timer);
  }
  if (live) live.draw(liveLines(walk.view()));
  if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(`\n${summaryLines(report).join('\n')}\n`);
  return 0;
};
