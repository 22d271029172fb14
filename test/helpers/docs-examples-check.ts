// Type-checks and runs the docs' TypeScript/JavaScript blocks as a user's app would: each block is a
// module in a folder inside this package, so `import … from 'grpc-thick-client'` resolves through
// the package's own exports to dist/ (self-reference), as it does after `npm install`.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';
import { type Block, moduleSource } from './docs-examples.js';

export const EXAMPLES_DIR = 'build/docs-examples';
const RUN_TIMEOUT_MS = 120_000;

export interface Example {
  /** File name without extension, unique per block. */
  readonly id: string;
  readonly block: Block;
}

export function exampleId(block: Block, prefix = ''): string {
  return `${prefix}${block.file.replace(/[/.]/g, '_')}-L${block.line}`;
}

const isJs = (block: Block): boolean => ['js', 'javascript', 'mjs'].includes(block.lang);

/** Fails with what to do when dist/ is missing: the examples import the built package. */
export function assertBuilt(root: string): void {
  if (!existsSync(join(root, 'dist/esm/index.mjs'))) {
    throw new Error(
      'dist/ is missing: run `npm run build` first (npm test does); the examples import the package',
    );
  }
}

export function prepareDir(root: string): string {
  const dir = join(root, EXAMPLES_DIR);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Every example in one program (one type-check for all); diagnostics by example id, with the page's line numbers. */
export function typecheck(root: string, dir: string, examples: readonly Example[]): Map<string, string[]> {
  const files = new Map<string, { example: Example; prelude: number }>();
  for (const example of examples) {
    const { source, prelude } = moduleSource(example.block);
    const file = join(dir, `${example.id}.${isJs(example.block) ? 'mjs' : 'mts'}`);
    writeFileSync(file, source);
    files.set(file, { example, prelude });
  }
  const program = ts.createProgram([...files.keys()], {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    types: ['node'],
    typeRoots: [join(root, 'node_modules/@types')],
    skipLibCheck: true,
    allowJs: true,
    checkJs: true,
  });
  const out = new Map<string, string[]>(examples.map((e) => [e.id, []]));
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const entry = d.file ? files.get(d.file.fileName) : undefined;
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!entry || d.start === undefined || !d.file) {
      // Not in an example (a declaration file, the options): every example is suspect.
      for (const list of out.values()) list.push(`TS${d.code}: ${message}`);
      continue;
    }
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    const { block } = entry.example;
    const where =
      line < entry.prelude
        ? `${block.file} (fragment context)`
        : `${block.file}:${block.line + 1 + line - entry.prelude}`;
    out.get(entry.example.id)!.push(`${where}: TS${d.code}: ${message}`);
  }
  return out;
}

export interface RunResult {
  readonly code: number | null;
  readonly output: string;
}

/** Runs one example as an ES module in its own node process; the example must end by itself. */
export function runExample(dir: string, example: Example): Promise<RunResult> {
  const { source } = moduleSource(example.block);
  const js = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const file = join(dir, `${example.id}.run.mjs`);
  writeFileSync(file, js);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [file],
      { cwd: dir, timeout: RUN_TIMEOUT_MS, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        const timedOut = error?.killed ? `(killed after ${RUN_TIMEOUT_MS} ms)\n` : '';
        resolve({ code, output: `${timedOut}--- stdout\n${stdout}--- stderr\n${stderr}` });
      },
    );
  });
}
