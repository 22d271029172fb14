// The printed table of every figure, its ratios and the targets; and the JSON beside it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { FigureResult, Row } from './results.js';
import type { Ratio, Spread } from './stats.js';
import type { TargetResult } from './targets.js';

/** Long skip reasons are in the JSON; the table shows their start. */
const MAX_NOTE = 100;

export function fmt(value: number): string {
  if (!Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  if (abs >= 100 || value === Math.round(value)) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

function cell(s: Spread | undefined): string {
  if (!s) return '';
  if (!Number.isFinite(s.median)) return '—';
  return s.min === s.max ? fmt(s.median) : `${fmt(s.median)} [${fmt(s.min)}–${fmt(s.max)}]`;
}

function ratioCell(r: Ratio): string {
  return `${r.ratio.toFixed(3)} [${fmt(r.min)}–${fmt(r.max)}]`;
}

function table(header: readonly string[], lines: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const render = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [render(header), render(widths.map((w) => '-'.repeat(w))), ...lines.map(render)].join('\n');
}

function ratioLines(figure: FigureResult, row: Row): string[] {
  return Object.entries(row.ratios).map(([baseline, byMetric]) => {
    const parts = figure.metrics
      .filter((m) => byMetric[m.key] && Number.isFinite(byMetric[m.key]!.ratio))
      .map((m) => `${m.label} ${ratioCell(byMetric[m.key]!)}`);
    return `  ${row.id} ÷ ${baseline}: ${parts.join(', ')}`;
  });
}

export function formatFigure(figure: FigureResult): string {
  const out = [`\n${figure.title} (${figure.repetitions} repetitions, median [min–max])`];
  const measured = figure.rows.filter((row) => !row.skipped);
  const lines = measured.map((row) => [
    row.id,
    ...figure.metrics.map((m) => cell(row.values[m.key])),
    row.errors > 0 ? `${row.errors} failed (${row.firstError})` : '',
  ]);
  out.push(table(['configuration', ...figure.metrics.map((m) => m.label), 'errors'], lines));
  for (const row of figure.rows) if (row.skipped) out.push(`${row.id}: skipped (${row.skipped})`);
  const ratios = figure.rows.flatMap((row) => ratioLines(figure, row));
  if (ratios.length > 0) out.push('ratios (median of medians [per-repetition min–max]):', ...ratios);
  for (const note of figure.notes) out.push(`note: ${note}`);
  return out.join('\n');
}

export function formatTargets(results: readonly TargetResult[]): string {
  const lines = results.map((t) => [
    t.status === 'met' ? 'met' : t.status === 'missed' ? 'MISSED' : 'skipped',
    t.text,
    t.measured === undefined
      ? ''
      : `${fmt(t.measured)}${t.range ? ` [${fmt(t.range[0])}–${fmt(t.range[1])}]` : ''}`,
    `${t.op} ${t.bound}`,
    (t.reason ?? t.note ?? '').replace(/\s+/g, ' ').slice(0, MAX_NOTE),
  ]);
  return `\nTargets\n${table(['', 'target', 'measured', 'bound', 'note'], lines)}`;
}

export function writeJson(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  // NaN is not JSON: write null for "not measured".
  writeFileSync(
    path,
    `${JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`,
  );
}
