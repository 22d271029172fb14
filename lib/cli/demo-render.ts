// How the demo shows itself: a live table redrawn in place on a terminal, plain lines elsewhere,
// and the summary as a table or JSON.
import { CLIENTS, type ClientName, type DemoReport, type LiveView, STEPS } from './demo-walk.js';

const LABEL: Record<ClientName, string> = { stock: 'stock grpc-js', sdk: 'grpc-thick-client' };

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) =>
    r
      .map((cell, i) => pad(cell, widths[i]!))
      .join('  ')
      .trimEnd(),
  );
}

/** The live view as lines: progress, pods, clients, the SDK's latest log lines. */
export function liveLines(view: LiveView): string[] {
  const step = STEPS[view.step]!;
  const lines = [
    `step ${view.step + 1}/${STEPS.length}: ${step.title}  (${(view.elapsedMs / 1000).toFixed(0)} s)`,
    `  ${step.note}`,
    '',
  ];
  const podRows = [['pod', 'address', 'state', 'stock calls/s', 'SDK calls/s', 'SDK']];
  for (const p of view.pods) {
    podRows.push([
      p.name,
      p.address,
      p.state,
      String(p.ratePerClient.stock),
      String(p.ratePerClient.sdk),
      p.ejected ? 'ejected' : '',
    ]);
  }
  lines.push(...table(podRows), '');
  const clientRows = [['client', 'calls/s', 'failed calls']];
  for (const name of CLIENTS) {
    const c = view.clients[name];
    clientRows.push([LABEL[name], String(c.rate), String(c.failures)]);
  }
  lines.push(...table(clientRows));
  if (view.log.length > 0) lines.push('', 'SDK log:', ...view.log.map((l) => `  ${l}`));
  return lines;
}

/** Redraws the live view in place on a terminal. */
export class LiveTable {
  private drawn = 0;

  constructor(private readonly out: NodeJS.WriteStream) {}

  draw(lines: readonly string[]): void {
    const width = this.out.columns || 120;
    const clipped = lines.map((l) => (l.length > width ? l.slice(0, width - 1) : l));
    const up = this.drawn > 0 ? `\x1b[${this.drawn}A` : '';
    this.out.write(`${up}\x1b[J${clipped.join('\n')}\n`);
    this.drawn = clipped.length;
  }
}

/** One plain line at the start of a step, for logs and pipes. */
export function stepLine(index: number): string {
  const step = STEPS[index]!;
  return `[${index + 1}/${STEPS.length}] ${step.title}: ${step.note}`;
}

const percent = (x: number) => `${(100 * x).toFixed(0)} %`;

/** The closing summary: per step, then per client. */
export function summaryLines(report: DemoReport): string[] {
  const lines = [
    `${report.rate} calls/s through each client for ${(report.durationMs / 1000).toFixed(0)} s, ${report.deadlineMs} ms deadlines, DNS: ${report.dns}`,
    '',
  ];
  const stepRows = [['step', 'stock failed', 'SDK failed']];
  for (const s of report.steps) {
    stepRows.push([
      s.title,
      `${s.clients.stock.failures} of ${s.clients.stock.calls}`,
      `${s.clients.sdk.failures} of ${s.clients.sdk.calls}`,
    ]);
  }
  lines.push(...table(stepRows), '');
  const rows = [['', 'failed calls', 'share to new pods', 'first call on a new pod', 'p99']];
  for (const name of CLIENTS) {
    const c = report.summary[name];
    rows.push([
      LABEL[name],
      `${c.failedCalls} of ${c.calls}`,
      percent(c.newPodShare),
      c.firstCallOnNewPodMs === null ? 'never' : `${c.firstCallOnNewPodMs} ms`,
      c.p99Ms === null ? '-' : `${c.p99Ms} ms`,
    ]);
  }
  lines.push(...table(rows));
  return lines;
}
