// `npm run bench`: compiles lib/, test/ and bench/ to build/ (as the test command does) and runs the
// benchmark with --expose-gc, so it collects garbage between measurements. Arguments pass through:
// `npm run bench -- --smoke`, `-- --only closedLoop,openLoop`, `-- --out FILE`.
import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], {
  cwd: root,
  stdio: 'inherit',
});
const result = spawnSync(
  process.execPath,
  ['--expose-gc', join(root, 'build/bench/main.js'), ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
