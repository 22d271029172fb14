#!/usr/bin/env node
/**
 * The `grpc-thick-client` command. Each subcommand lives in its own module and is loaded only when
 * asked for, so `inspect` in a pod does not load the local cluster bed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CliError, type Command } from './command.js';

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  demo: {
    summary:
      'stock grpc-js and this SDK side by side on a local cluster bed (about a minute; --quick, --json)',
    load: async () => {
      // Stock grpc-js asks the bed's DNS server (dns://server/name) only with this set before it loads.
      process.env.GRPC_NODE_USE_ALTERNATIVE_RESOLVER ??= 'true';
      return (await import('./demo.js')).demo;
    },
  },
  inspect: {
    summary: 'resolve a target as the SDK does, connect to every endpoint and check it (inspect --help)',
    load: async () => (await import('./inspect.js')).inspect,
  },
};

/** The subcommands, for checks of the docs' command lines. */
export const COMMAND_NAMES: readonly string[] = Object.keys(COMMANDS);

function usage(): string {
  const lines = ['usage: grpc-thick-client <command> [options]   (--version: the version)', '', 'commands:'];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(9)} ${c.summary}`);
  return lines.join('\n');
}

/** The package's version, from the package.json above this file (build/ in the repository, dist/ installed). */
function version(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'grpc-thick-client' && pkg.version) return pkg.version;
    }
    if (dirname(dir) === dir) return 'unknown';
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`grpc-thick-client: unknown command "${name}"\n\n${usage()}\n`);
    return 2;
  }
  try {
    return await (await command.load())(args);
  } catch (error) {
    if (error instanceof CliError) {
      process.stderr.write(`grpc-thick-client ${name}: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(
        `grpc-thick-client: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
