// Offline check of the kind suite's GitHub Actions workflow: GitHub's own workflow parser
// (@actions/workflow-parser and the schema it ships), then the structure the suite relies on.
import { register } from 'node:module';
import { parseYamlDocuments } from './manifests.js';

let hooked = false;

/**
 * The parser imports its JSON schema the way bundlers allow and Node does not (no `type: 'json'`
 * attribute): serve that one file to it as a module instead.
 */
function serveParserSchema(): void {
  if (hooked) return;
  hooked = true;
  const hooks = `
    import { readFile } from 'node:fs/promises';
    export async function load(url, context, nextLoad) {
      if (url.includes('/@actions/workflow-parser/') && url.endsWith('.json')) {
        const json = await readFile(new URL(url), 'utf8');
        return { format: 'module', source: 'export default ' + json + ';', shortCircuit: true };
      }
      return nextLoad(url, context);
    }`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
}

/** Errors GitHub's parser reports for this workflow text. */
export async function workflowSchemaProblems(content: string, name: string): Promise<string[]> {
  serveParserSchema();
  const { parseWorkflow, NoOperationTraceWriter } = await import('@actions/workflow-parser');
  const result = parseWorkflow({ name, content }, new NoOperationTraceWriter());
  return result.context.errors.getErrors().map((e) => e.message);
}

interface Step {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, unknown>;
}

/** What the suite needs of its workflow beyond the schema. */
export function workflowStructureProblems(content: string, name: string, minNode: number): string[] {
  const problems: string[] = [];
  const [doc] = parseYamlDocuments(content, name) as Record<string, unknown>[];
  if (!doc?.on) problems.push(`${name}: no \`on\` trigger`);
  const jobs = Object.entries((doc?.jobs ?? {}) as Record<string, { 'runs-on'?: unknown; steps?: Step[] }>);
  if (jobs.length === 0) problems.push(`${name}: no jobs`);
  const steps = jobs.flatMap(([id, job]) => {
    if (!job['runs-on']) problems.push(`${name}: job ${id} has no runs-on`);
    if (!Array.isArray(job.steps) || job.steps.length === 0) problems.push(`${name}: job ${id} has no steps`);
    return (job.steps ?? []).map((step, i) => ({ where: `job ${id} step ${i + 1}`, step }));
  });
  for (const { where, step } of steps) {
    if ((step.uses === undefined) === (step.run === undefined)) {
      problems.push(`${name}: ${where} needs exactly one of uses and run`);
    }
    if (step.uses !== undefined && !/^[\w.-]+\/[\w./-]+@[\w.-]+$/.test(step.uses)) {
      problems.push(`${name}: ${where} uses ${step.uses}: pin an action as owner/repo@ref`);
    }
  }
  if (!steps.some(({ step }) => step.run?.includes('npm run test:kind'))) {
    problems.push(`${name}: no step runs npm run test:kind`);
  }
  const node = steps.find(({ step }) => step.uses?.startsWith('actions/setup-node@'))?.step.with?.[
    'node-version'
  ];
  if (Number.parseInt(String(node), 10) < minNode || node === undefined) {
    problems.push(`${name}: actions/setup-node must install Node ≥ ${minNode} (found ${node})`);
  }
  return problems;
}
