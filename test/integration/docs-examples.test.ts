// Every code block of README.md and docs/*.md is accounted for by a marker and checked as it says
// (test/helpers/docs-examples.ts lists the kinds): TypeScript is type-checked as a user's module
// importing the built package, `run` blocks are executed, shell blocks name existing npm scripts and
// valid `grpc-thick-client` command lines (run against a bed when marked so), the architecture
// diagram matches the imports. The last suite shows each check failing on a broken example.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseInspectArgs } from '../../lib/cli/inspect.js';
import { COMMAND_NAMES } from '../../lib/cli/main.js';
import { LocalCluster } from '../../lib/testing/cluster.js';
import { runCli, show } from '../helpers/cli.js';
import {
  type Block,
  commandProblems,
  diagramEdges,
  diagramProblems,
  extractAll,
  extractBlocks,
  isScript,
  libFolderImports,
} from '../helpers/docs-examples.js';
import {
  assertBuilt,
  type Example,
  exampleId,
  prepareDir,
  runExample,
  typecheck,
} from '../helpers/docs-examples-check.js';

const root = join(__dirname, '..', '..', '..');
const scripts = (
  JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts;
const { blocks, problems } = extractAll(root);
const kind = (b: Block) => b.marker?.kind;
const where = (b: Block) => `${b.file}:${b.line}`;

function checkCli(args: string[]): string | undefined {
  const [name, ...rest] = args;
  if (name === undefined || !COMMAND_NAMES.includes(name))
    return `grpc-thick-client has no command "${name}"`;
  if (name !== 'inspect') return undefined;
  try {
    parseInspectArgs(rest);
    return undefined;
  } catch (error) {
    return `inspect ${rest.join(' ')}: ${(error as Error).message.split('\n')[0]}`;
  }
}

/** Made-up broken examples, checked in the same program as the real ones (one type-check). */
const BROKEN = extractBlocks(
  'broken.md',
  [
    '<!-- example: run -->',
    '```ts',
    "const port: number = '50051';",
    '```',
    '<!-- example: fragment -->',
    '```ts',
    'logger.warn({}, String(undeclaredClient));',
    '```',
    '<!-- example: typecheck: imports what the SDK does not export -->',
    '```ts',
    "import { thickChannelOption } from 'grpc-thick-client';",
    '```',
    '<!-- example: run -->',
    '```ts',
    "import { thickChannelOptions } from 'grpc-thick-client';",
    "thickChannelOptions({ dns: { pollIntervalMs: 'fast' as unknown as number } });",
    '```',
  ].join('\n'),
).blocks;

describe('docs examples: every block has a marker', () => {
  it('README.md and docs/*.md have no block without a marker, no marker without a block', () => {
    assert.deepEqual(problems, []);
  });

  it('found the examples (the extraction works)', () => {
    const count = (k: string) => blocks.filter((b) => kind(b) === k).length;
    assert.ok(blocks.length >= 30, `only ${blocks.length} blocks found`);
    assert.ok(
      count('run') >= 6 && count('fragment') >= 4 && count('commands') >= 6,
      JSON.stringify(blocks.map(kind)),
    );
    assert.equal(count('manifest'), 6);
  });
});

describe('docs examples: TypeScript and JavaScript', () => {
  const checked = new Set(['run', 'typecheck', 'fragment']);
  const examples: Example[] = blocks
    .filter((b) => isScript(b.lang) && checked.has(kind(b) ?? ''))
    .map((block) => ({ id: exampleId(block), block }));
  const broken: Example[] = BROKEN.map((block) => ({ id: exampleId(block, 'selftest-'), block }));
  let dir: string;
  let diagnostics: Map<string, string[]>;

  before(() => {
    assertBuilt(root);
    dir = prepareDir(root);
    diagnostics = typecheck(root, dir, [...examples, ...broken]);
  });

  for (const example of examples) {
    it(`${where(example.block)} type-checks`, () => {
      assert.deepEqual(diagnostics.get(example.id), []);
    });
  }

  for (const block of blocks.filter((b) => isScript(b.lang) && kind(b) === 'skip')) {
    it(`${where(block)}`, { skip: block.marker?.reason ?? true }, () => {});
  }

  for (const example of examples.filter((e) => kind(e.block) === 'run')) {
    it(`${where(example.block)} runs and exits 0`, async () => {
      const result = await runExample(dir, example);
      assert.equal(result.code, 0, result.output);
    });
  }

  describe('the checks fail on broken examples', () => {
    const [wrongType, undeclared, missingExport, badValue] = broken;

    it('a type error, at its line on the page', () => {
      assert.deepEqual(diagnostics.get(wrongType!.id), [
        "broken.md:3: TS2322: Type 'string' is not assignable to type 'number'.",
      ]);
    });

    it('a fragment using a name that is neither declared nor in the fragment context', () => {
      const found = diagnostics.get(undeclared!.id)!;
      assert.equal(found.length, 1, found.join('\n'));
      assert.match(found[0]!, /^broken\.md:7: TS2304: Cannot find name 'undeclaredClient'/);
    });

    it('an import the package does not export', () => {
      assert.match(
        diagnostics.get(missingExport!.id)!.join('\n'),
        /broken\.md:11: TS2724: .*thickChannelOption/,
      );
    });

    it('an example that type-checks but throws when run', async () => {
      assert.deepEqual(diagnostics.get(badValue!.id), []);
      const result = await runExample(dir, badValue!);
      assert.notEqual(result.code, 0);
      assert.match(result.output, /ThickConfigError: grpc-thick-client: .*pollIntervalMs/);
    });
  });
});

describe('docs examples: shell commands', () => {
  const shell = blocks.filter((b) => kind(b) === 'commands');
  const bedRuns = shell.filter((b) => b.marker?.options.includes('bed'));
  let cluster: LocalCluster | undefined;

  before(async () => {
    if (bedRuns.length > 0) cluster = await LocalCluster.start({ replicas: 2, ttlSeconds: 5, srv: false });
  });
  after(async () => {
    await cluster?.stop();
  });

  for (const block of shell) {
    it(`${where(block)} names existing npm scripts and valid command lines`, () => {
      assert.deepEqual(commandProblems(block, scripts, checkCli).problems, []);
    });
  }

  for (const block of bedRuns) {
    it(`${where(block)} runs against a local cluster bed (with --dns-server) and exits 0`, async () => {
      const { cli } = commandProblems(block, scripts, checkCli);
      assert.ok(cli.length > 0, 'a `bed` block without a grpc-thick-client line');
      for (const args of cli) {
        const run = await runCli([...args, '--dns-server', cluster!.dnsServer]);
        assert.equal(run.code, 0, `${args.join(' ')}\n${show(run)}`);
        for (const pod of cluster!.readyPods) assert.ok(run.stdout.includes(pod.address), show(run));
      }
    });
  }

  it('fails on a missing npm script and on command lines the CLI refuses', () => {
    const [block] = extractBlocks(
      'broken.md',
      [
        '<!-- example: commands -->',
        '```sh',
        'npm ci',
        'npm run no-such-script     # a comment',
        'FOO=1 npm run build',
        'npx grpc-thick-client inspect',
        'npx grpc-thick-client inspekt dns-poll:///echo:50051',
        'grpc-thick-client inspect dns-poll:///echo:50051 --address-family ipv5',
        '```',
      ].join('\n'),
    ).blocks;
    assert.deepEqual(commandProblems(block!, scripts, checkCli).problems, [
      'broken.md:4: npm script "no-such-script" does not exist',
      'broken.md:6: inspect : a target is needed',
      'broken.md:7: grpc-thick-client has no command "inspekt"',
      'broken.md:8: inspect dns-poll:///echo:50051 --address-family ipv5: --address-family must be one of "any", "ipv4", "ipv6", got "ipv5"',
    ]);
  });
});

describe('docs examples: the architecture diagram', () => {
  const actual = libFolderImports(root);

  for (const block of blocks.filter((b) => kind(b) === 'import-graph')) {
    it(`${where(block)} draws exactly the run-time imports between lib/ folders`, () => {
      assert.deepEqual(diagramProblems(where(block), diagramEdges(block.code), actual), []);
    });
  }

  it('fails when an arrow is missing or made up', () => {
    const drawn = new Set(actual);
    drawn.delete('grpc --> discovery');
    drawn.add('discovery --> grpc');
    assert.deepEqual(diagramProblems('d.md:1', drawn, actual), [
      'd.md:1: the code has grpc --> discovery, the diagram does not',
      'd.md:1: the diagram has discovery --> grpc, the code does not',
    ]);
  });
});

describe('docs examples: markers', () => {
  it('a block without a marker, a marker that does not fit, a skip without a reason, a stray marker', () => {
    const text = [
      '```ts',
      'const a = 1;',
      '```',
      '<!-- example: run -->',
      '```sh',
      'npm test',
      '```',
      '<!-- example: skip -->',
      '```text',
      'x',
      '```',
      '<!-- example: manifest -->',
      '```yaml',
      'a: 1',
      '```',
      '<!-- example: runn -->',
      '```ts',
      '```',
      '<!-- example: run -->',
      'prose, not a block',
    ].join('\n');
    assert.deepEqual(extractBlocks('broken.md', text).problems, [
      'broken.md:1: a ```ts block without an <!-- example: … --> marker',
      'broken.md:5: marker "run" does not apply to a ```sh block',
      'broken.md:9: marker "skip" needs a reason: <!-- example: skip: why -->',
      "broken.md:13: only docs/kubernetes.md's YAML is checked by kind-manifests.test.ts",
      'broken.md:17: unknown marker "example: runn" (kinds: run, typecheck, fragment, commands, manifest, import-graph, output, skip)',
      'broken.md:19: marker not followed by a code block',
    ]);
  });
});
