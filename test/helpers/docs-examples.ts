// The code blocks of README.md and docs/*.md, and what each one's marker says to do with it. Every
// fenced block needs a marker on the line before it, `<!-- example: KIND [options][: reason] -->`:
//
//   run            ts/js: type-checked, then executed (ESM, top-level await); must exit 0
//   typecheck: why ts/js: a complete module, type-checked only (why it cannot run)
//   fragment       ts/js: type-checked with the names it leaves undeclared taken from FRAGMENT_CONTEXT
//   commands [bed] sh: `npm run X` / `npm test` name existing scripts; `grpc-thick-client …` lines
//                  parse; with `bed`, those lines run against a local cluster bed and must exit 0
//   manifest       yaml in docs/kubernetes.md: test/unit/kind-manifests.test.ts checks these
//   import-graph   mermaid: its arrows are the run-time imports between lib/ folders, both ways
//   output         text a block above prints; shown, not run
//   skip: why      anything else, with the reason
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export type MarkerKind =
  | 'run'
  | 'typecheck'
  | 'fragment'
  | 'commands'
  | 'manifest'
  | 'import-graph'
  | 'output'
  | 'skip';

export interface Marker {
  readonly kind: MarkerKind;
  readonly options: readonly string[];
  readonly reason?: string;
}

export interface Block {
  /** Relative to the repository, e.g. "docs/metrics.md". */
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly lang: string;
  readonly code: string;
  readonly marker: Marker | null;
}

const KINDS: Readonly<Record<MarkerKind, { langs: readonly string[] | 'any'; reason: boolean }>> = {
  run: { langs: ['ts', 'typescript', 'js', 'javascript', 'mjs'], reason: false },
  typecheck: { langs: ['ts', 'typescript', 'js', 'javascript', 'mjs'], reason: true },
  fragment: { langs: ['ts', 'typescript', 'js', 'javascript', 'mjs'], reason: false },
  commands: { langs: ['sh', 'bash', 'shell'], reason: false },
  manifest: { langs: ['yaml', 'yml'], reason: false },
  'import-graph': { langs: ['mermaid'], reason: false },
  output: { langs: ['text', ''], reason: false },
  skip: { langs: 'any', reason: true },
};
const OPTIONS: Readonly<Partial<Record<MarkerKind, readonly string[]>>> = { commands: ['bed'] };
/** The only page whose YAML test/unit/kind-manifests.test.ts compares with the tested manifests. */
const MANIFEST_PAGE = 'docs/kubernetes.md';
const MARKER = /^<!--\s*example:\s*(.*?)\s*-->$/;
const FENCE = /^(`{3,})([\w-]*)\s*$/;

export function isScript(lang: string): boolean {
  return KINDS.run.langs !== 'any' && KINDS.run.langs.includes(lang);
}

/** README.md and every docs/*.md (docs/api, generated, aside). */
export function docPages(root: string): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`);
  return ['README.md', ...docs];
}

function parseMarker(text: string): Marker | string {
  const m = /^([a-z-]+)((?:\s+[a-z-]+)*)\s*(?::\s*(.*))?$/.exec(text);
  if (!m || !(m[1]! in KINDS))
    return `unknown marker "example: ${text}" (kinds: ${Object.keys(KINDS).join(', ')})`;
  const kind = m[1] as MarkerKind;
  const options = m[2]!.trim() === '' ? [] : m[2]!.trim().split(/\s+/);
  const allowed = OPTIONS[kind] ?? [];
  const unknown = options.filter((o) => !allowed.includes(o));
  if (unknown.length > 0) return `marker "${kind}" does not take ${unknown.join(', ')}`;
  const reason = m[3]?.trim();
  if (KINDS[kind].reason && !reason) return `marker "${kind}" needs a reason: <!-- example: ${kind}: why -->`;
  return { kind, options, ...(reason ? { reason } : {}) };
}

/** The blocks of one page, and what is wrong with its markers (a block without one, a marker without a block). */
export function extractBlocks(file: string, text: string): { blocks: Block[]; problems: string[] } {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  const problems: string[] = [];
  let pending: { marker: Marker | string; line: number } | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const marker = MARKER.exec(line.trim());
    if (marker) {
      if (pending) problems.push(`${file}:${pending.line}: marker not followed by a code block`);
      pending = { marker: parseMarker(marker[1]!), line: i + 1 };
      continue;
    }
    const fence = FENCE.exec(line);
    if (!fence) {
      if (pending && line.trim() !== '') {
        problems.push(`${file}:${pending.line}: marker not followed by a code block`);
        pending = null;
      }
      continue;
    }
    const close = lines.findIndex((l, j) => j > i && l.trimEnd() === fence[1]);
    if (close < 0) {
      problems.push(`${file}:${i + 1}: code block never closed`);
      break;
    }
    const lang = fence[2]!.toLowerCase();
    const where = `${file}:${i + 1}`;
    let accepted: Marker | null = null;
    if (!pending) problems.push(`${where}: a \`\`\`${lang} block without an <!-- example: … --> marker`);
    else if (typeof pending.marker === 'string') problems.push(`${where}: ${pending.marker}`);
    else {
      const { langs } = KINDS[pending.marker.kind];
      if (langs !== 'any' && !langs.includes(lang)) {
        problems.push(`${where}: marker "${pending.marker.kind}" does not apply to a \`\`\`${lang} block`);
      } else if (pending.marker.kind === 'manifest' && file !== MANIFEST_PAGE) {
        problems.push(`${where}: only ${MANIFEST_PAGE}'s YAML is checked by kind-manifests.test.ts`);
      } else accepted = pending.marker;
    }
    blocks.push({ file, line: i + 1, lang, code: lines.slice(i + 1, close).join('\n'), marker: accepted });
    pending = null;
    i = close;
  }
  if (pending) problems.push(`${file}:${pending.line}: marker not followed by a code block`);
  return { blocks, problems };
}

export function extractAll(root: string): { blocks: Block[]; problems: string[] } {
  const all = docPages(root).map((file) => extractBlocks(file, readFileSync(join(root, file), 'utf8')));
  return { blocks: all.flatMap((a) => a.blocks), problems: all.flatMap((a) => a.problems) };
}

/**
 * What a fragment may use without declaring it: the surroundings the page describes in words.
 * A name is declared only when the fragment uses it and does not import or define it itself.
 */
export const FRAGMENT_CONTEXT: Readonly<Record<string, string>> = {
  grpc: "import * as grpc from '@grpc/grpc-js';",
  thickChannelOptions: "import { thickChannelOptions } from 'grpc-thick-client';",
  logger: 'declare const logger: { warn(fields: object, message: string): void };',
  EchoClient: "declare const EchoClient: typeof import('@grpc/grpc-js').Client;",
  target: 'declare const target: string;',
  credentials: "declare const credentials: import('@grpc/grpc-js').ChannelCredentials;",
  yourService: "declare const yourService: import('@grpc/grpc-js').ServiceDefinition;",
  yourHandlers: "declare const yourHandlers: import('@grpc/grpc-js').UntypedServiceImplementation;",
};

/** The module a block is checked as: a fragment gets its context before it; every block is a module. */
export function moduleSource(block: Block): { source: string; prelude: number } {
  const lines: string[] = [];
  if (block.marker?.kind === 'fragment') {
    // Names inside strings ('grpc-thick-client') are not uses.
    const code = block.code.replace(/'[^'\n]*'|"[^"\n]*"|`[^`]*`/g, "''");
    for (const [name, declaration] of Object.entries(FRAGMENT_CONTEXT)) {
      const uses = new RegExp(`\\b${name}\\b`).test(code);
      const own = new RegExp(
        `import[^;]*\\b${name}\\b[^;]*from|\\b(?:const|let|var|function|class)\\s+${name}\\b`,
      ).test(block.code);
      if (uses && !own) lines.push(declaration);
    }
  }
  return { source: [...lines, block.code, 'export {};', ''].join('\n'), prelude: lines.length };
}

/** Problems of a `commands` block: npm scripts it names that do not exist, CLI lines that do not parse. */
export function commandProblems(
  block: Block,
  scripts: Readonly<Record<string, string>>,
  checkCli: (args: string[]) => string | undefined,
): { problems: string[]; cli: string[][] } {
  const problems: string[] = [];
  const cli: string[][] = [];
  block.code.split('\n').forEach((raw, i) => {
    const where = `${block.file}:${block.line + 1 + i}`;
    const line = raw.replace(/(^|\s)#.*$/, '');
    const words = line
      .trim()
      .split(/\s+/)
      .filter((w) => w !== '');
    while (words.length > 0 && /^[A-Z_][A-Z0-9_]*=/.test(words[0]!)) words.shift(); // VAR=value prefixes
    if (words.length === 0 || words[0]!.startsWith('#')) return;
    if (line.includes('"') || line.includes("'"))
      problems.push(`${where}: quotes are not understood by this check`);
    const [command, sub, name] = words;
    if (command === 'npm' && (sub === 'run' || sub === 'run-script')) {
      if (!name || !(name in scripts)) problems.push(`${where}: npm script "${name}" does not exist`);
    } else if (
      command === 'npm' &&
      (sub === 'test' || sub === 'start' || sub === 'stop' || sub === 'restart')
    ) {
      if (!(sub in scripts)) problems.push(`${where}: npm script "${sub}" does not exist`);
    } else if ((command === 'npx' && sub === 'grpc-thick-client') || command === 'grpc-thick-client') {
      const args = words.slice(command === 'npx' ? 2 : 1);
      const problem = checkCli(args);
      if (problem) problems.push(`${where}: ${problem}`);
      else cli.push(args);
    }
  });
  return { problems, cli };
}

/** The arrows of a mermaid flowchart (`a --> b`). */
export function diagramEdges(code: string): Set<string> {
  return new Set([...code.matchAll(/^\s*([\w-]+)\s*-->\s*([\w-]+)\s*$/gm)].map((m) => `${m[1]} --> ${m[2]}`));
}

/** Run-time imports between folders of lib/ (type-only imports and the entry files aside). */
export function libFolderImports(root: string): Set<string> {
  const lib = join(root, 'lib');
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
    );
  const edges = new Set<string>();
  for (const file of walk(lib)) {
    const from = relative(lib, file).split('/');
    if (from.length < 2) continue;
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(
      /^(?:import|export)\s+(type\s+)?[^'"]*?from\s+'([^']+)'|^import\s+'([^']+)'/gm,
    )) {
      const specifier = (m[2] ?? m[3])!;
      if (m[1] || !specifier.startsWith('.')) continue;
      const to = relative(lib, join(file, '..', specifier)).split('/');
      if (to.length >= 2 && to[0] !== from[0]) edges.add(`${from[0]} --> ${to[0]}`);
    }
  }
  return edges;
}

/** What differs between a diagram's arrows and the code's imports, as sentences. */
export function diagramProblems(
  where: string,
  drawn: ReadonlySet<string>,
  actual: ReadonlySet<string>,
): string[] {
  return [
    ...[...actual]
      .filter((e) => !drawn.has(e))
      .map((e) => `${where}: the code has ${e}, the diagram does not`),
    ...[...drawn]
      .filter((e) => !actual.has(e))
      .map((e) => `${where}: the diagram has ${e}, the code does not`),
  ];
}
