// The test command: compiles lib/ and test/ to build/ and runs every test file with `node --test`.
// `node scripts/test.mjs unit` (or `integration`) runs one folder only; `kind` runs the kind suite
// (test/kind, `npm run test:kind`), which `npm test` leaves out: it needs Docker, kind and kubectl.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv[2];

rmSync(join(root, 'build'), { recursive: true, force: true });
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], {
  cwd: root,
  stdio: 'inherit',
});

function collect(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...collect(path));
    else if (entry.name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const suites = only ? [only] : ['unit', 'integration', 'package'];
const files = suites.flatMap((s) => {
  try {
    return collect(join(root, 'build/test', s));
  } catch {
    return [];
  }
});
// One file at a time: integration files each run a cluster bed of real processes, and their
// timing assertions (a hung pod found within 100 ms) must not compete for 2 cores with another bed.
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
