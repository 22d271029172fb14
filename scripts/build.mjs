// Builds the published package: CommonJS + declarations from lib/ via tsc, then thin ESM wrappers
// that re-export the CommonJS build. One implementation serves both `import` and `require`, so an app
// that mixes them still registers into grpc-js once (no dual-package hazard).
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entries = ['index', 'register', 'testing', 'server'];

rmSync(join(root, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});

const require = createRequire(import.meta.url);
mkdirSync(join(root, 'dist/esm'), { recursive: true });
for (const entry of entries) {
  const names = Object.keys(require(join(root, 'dist/cjs', `${entry}.js`))).filter((n) => n !== 'default');
  const lines = [`import cjs from '../cjs/${entry}.js';`];
  if (names.length > 0) lines.push(`export const { ${names.join(', ')} } = cjs;`);
  lines.push('');
  writeFileSync(join(root, 'dist/esm', `${entry}.mjs`), lines.join('\n'));
  writeFileSync(join(root, 'dist/esm', `${entry}.d.mts`), `export * from '../cjs/${entry}.js';\n`);
}
