// Offline checks of the kind suite's Dockerfile: what can be known without a Docker engine. Every
// file it copies from the build context exists, and the commands the Deployment and the Job run
// are files the runtime stage holds.
import { existsSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';

export interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

export interface Stage {
  readonly image: string;
  readonly name: string | undefined;
  readonly instructions: Instruction[];
}

/** Instructions by stage; line continuations joined, comments dropped. */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  let pending = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) return;
    if (pending === '') start = i + 1;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    const full = (pending + line).trim();
    pending = '';
    const [keyword = '', ...rest] = full.split(/\s+/);
    const instruction = { keyword: keyword.toUpperCase(), args: rest.join(' '), line: start };
    if (instruction.keyword === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      stages.push({ image: m?.[1] ?? instruction.args, name: m?.[2], instructions: [] });
    } else {
      const stage = stages.at(-1);
      if (!stage) throw new Error(`line ${start}: ${keyword} before FROM`);
      stage.instructions.push(instruction);
    }
  });
  return stages;
}

/** A COPY's flags, sources and destination (exec form or shell form). */
function copyParts(args: string): { from: string | undefined; sources: string[]; dest: string } {
  const words = args.startsWith('[') ? (JSON.parse(args) as string[]) : args.split(/\s+/);
  const flags = words.filter((w) => w.startsWith('--'));
  const paths = words.filter((w) => !w.startsWith('--'));
  const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
  return { from, sources: paths.slice(0, -1), dest: paths.at(-1) ?? '' };
}

function execForm(args: string): string[] | undefined {
  try {
    const parsed: unknown = JSON.parse(args);
    return Array.isArray(parsed) && parsed.every((p) => typeof p === 'string') ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Where a file at `path` in the final image comes from in the build context, following the last
 * stage's WORKDIR and COPY instructions; undefined when no COPY from the context provides it.
 */
export function contextSourceOf(stage: Stage, path: string): string | undefined {
  let workdir = '/';
  let found: string | undefined;
  for (const { keyword, args } of stage.instructions) {
    if (keyword === 'WORKDIR') workdir = posix.resolve(workdir, args);
    if (keyword !== 'COPY') continue;
    const { from, sources, dest } = copyParts(args);
    if (from !== undefined) continue;
    const destDir = posix.resolve(workdir, dest);
    const intoDir = dest.endsWith('/') || sources.length > 1;
    for (const source of sources) {
      const clean = source.replace(/\/$/, '');
      if (source.endsWith('/')) {
        if (path.startsWith(`${destDir}/`)) found = posix.join(clean, path.slice(destDir.length + 1));
      } else if ((intoDir ? posix.join(destDir, posix.basename(clean)) : destDir) === path) {
        found = clean;
      }
    }
  }
  return found;
}

/** The script a `node <file>` command runs, as an absolute path in the image. */
function nodeScript(command: readonly string[], workdir = '/'): string | undefined {
  if (command[0] !== 'node') return undefined;
  const script = command.slice(1).find((a) => !a.startsWith('-'));
  return script === undefined ? undefined : posix.resolve(workdir, script);
}

export interface DockerfileCheckOptions {
  /** The build context (the repository root). */
  readonly context: string;
  /** Commands the manifests run in the image besides its CMD, e.g. the Job's. */
  readonly commands: readonly (readonly string[])[];
}

export function dockerfileProblems(text: string, options: DockerfileCheckOptions): string[] {
  const problems: string[] = [];
  const stages = parseDockerfile(text);
  if (stages.length < 2) problems.push(`a multi-stage build is expected, found ${stages.length} stage(s)`);
  const [build] = stages;
  const runtime = stages.at(-1);
  if (!build || !runtime) return [...problems, 'no FROM'];
  const buildRuns = build.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
  for (const step of ['npm ci', 'npm run build', 'npm pack']) {
    if (!buildRuns.some((r) => r.includes(step))) problems.push(`the build stage does not run ${step}`);
  }
  for (const stage of stages) {
    for (const { keyword, args, line } of stage.instructions) {
      if (keyword !== 'COPY') continue;
      const { from, sources } = copyParts(args);
      if (from !== undefined) {
        if (!stages.some((s) => s.name === from))
          problems.push(`line ${line}: COPY --from=${from}: no such stage`);
        continue;
      }
      for (const source of sources) {
        if (!existsSync(join(options.context, source)))
          problems.push(`line ${line}: COPY ${source}: not in the build context`);
      }
    }
  }
  const cmd = [...runtime.instructions]
    .reverse()
    .find((i) => i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT');
  const cmdForm = cmd && execForm(cmd.args);
  if (!cmdForm) problems.push('the runtime stage needs an exec-form CMD (["node", "/app/..."])');
  for (const command of [...(cmdForm ? [cmdForm] : []), ...options.commands]) {
    const script = nodeScript(command);
    if (!script) {
      problems.push(`${JSON.stringify(command)} does not run a node script`);
      continue;
    }
    const source = contextSourceOf(runtime, script);
    if (!source)
      problems.push(`${script} (run by ${JSON.stringify(command)}) is not copied into the runtime stage`);
    else if (
      !existsSync(join(options.context, source)) ||
      !statSync(join(options.context, source)).isFile()
    ) {
      problems.push(`${script} comes from ${source}, which is not a file in the build context`);
    }
  }
  return problems;
}
