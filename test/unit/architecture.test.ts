// The layering rules of CONTRIBUTING, checked: no import cycles, files under ~400 lines, grpc-js's
// experimental API used in one adapter module only, and the pure layers free of grpc-js. The bench
// (bench/) follows the same size and cycle rules and reaches the SDK only as users do.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

const root = join(__dirname, '..', '..', '..');
const lib = join(root, 'lib');
const MAX_LINES = 400;
const PURE_LAYERS = ['common', 'config', 'discovery', 'membership', 'health', 'picking', 'retry'];
const ADAPTER = 'grpc/adapter.ts';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const bench = join(root, 'bench');
/** What bench/ may import from lib/: the public entry points, the bed, and the pure pickers. */
const BENCH_MAY_IMPORT = [/^index\.ts$/, /^register\.ts$/, /^testing\//, /^picking\//];

const files = [...sources(lib), ...sources(bench)];
const text = new Map(files.map((f) => [f, readFileSync(f, 'utf8')]));
const rel = (f: string) => relative(lib, f);
const isBench = (f: string) => !relative(bench, f).startsWith('..');

function imports(file: string): { specifier: string; typeOnly: boolean }[] {
  const out: { specifier: string; typeOnly: boolean }[] = [];
  for (const m of text
    .get(file)!
    .matchAll(/^(?:import|export)\s+(type\s+)?[^'"]*?from\s+'([^']+)'|^import\s+'([^']+)'/gm)) {
    out.push({ specifier: (m[2] ?? m[3])!, typeOnly: Boolean(m[1]) });
  }
  return out;
}

function localImports(file: string): string[] {
  return imports(file)
    .filter((i) => i.specifier.startsWith('.') && !i.typeOnly)
    .map((i) => resolve(dirname(file), i.specifier.replace(/\.js$/, '.ts')));
}

describe('architecture', () => {
  it('has no import cycles in lib/ and bench/', () => {
    const edges = files.reduce((n, f) => n + localImports(f).length, 0);
    assert.ok(edges > 50, `the import scan found only ${edges} imports: it is broken`);
    const state = new Map<string, 'visiting' | 'done'>();
    const stack: string[] = [];
    const visit = (file: string): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        assert.fail(`import cycle: ${[...stack.slice(stack.indexOf(file)), file].map(rel).join(' → ')}`);
      }
      state.set(file, 'visiting');
      stack.push(file);
      for (const next of localImports(file)) if (text.has(next)) visit(next);
      stack.pop();
      state.set(file, 'done');
    };
    for (const f of files) visit(f);
  });

  it(`keeps every lib/ and bench/ file under ${MAX_LINES} lines`, () => {
    for (const f of files) {
      const lines = text.get(f)!.split('\n').length;
      assert.ok(lines <= MAX_LINES, `${rel(f)} has ${lines} lines: split it`);
    }
  });

  it('uses grpc-js experimental API in the adapter only', () => {
    for (const f of files.filter((file) => !isBench(file))) {
      if (rel(f) === ADAPTER) continue;
      assert.ok(
        !/\bexperimental\b/.test(text.get(f)!.replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '')),
        `${rel(f)} mentions experimental`,
      );
    }
  });

  it('keeps the pure layers free of grpc-js', () => {
    for (const f of files.filter((file) => !isBench(file))) {
      if (!PURE_LAYERS.includes(rel(f).split('/')[0]!)) continue;
      for (const i of imports(f)) {
        assert.ok(!i.specifier.startsWith('@grpc/'), `${rel(f)} imports ${i.specifier}`);
        assert.ok(!i.specifier.includes('/grpc/'), `${rel(f)} imports the grpc glue (${i.specifier})`);
      }
    }
  });

  it('lets bench/ use the SDK only through its public entries, the bed and the pure pickers', () => {
    const benchFiles = files.filter(isBench);
    assert.ok(benchFiles.length > 10, `found only ${benchFiles.length} bench files`);
    for (const f of benchFiles) {
      for (const target of localImports(f)) {
        const inLib = relative(lib, target);
        if (inLib.startsWith('..')) continue;
        assert.ok(
          BENCH_MAY_IMPORT.some((allowed) => allowed.test(inLib)),
          `${relative(root, f)} imports lib/${inLib}: use the public entry (lib/index.ts) instead`,
        );
      }
    }
  });
});
