// The benchmark harness, CI-sized (`npm run bench -- --smoke`): every figure runs, every
// configuration that can run here produced numbers, the JSON is written with ratios and targets.
// It asserts that the harness works, not speed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { FigureResult } from '../../bench/results.js';
import type { TargetResult } from '../../bench/targets.js';

const MAIN = join(__dirname, '..', '..', 'bench', 'main.js');
const FIGURES = ['pickCost', 'closedLoop', 'openLoop', 'slowPod', 'slowPodSmallYoung', 'scale', 'churn'];
/** The configurations that need nothing but this repository; the others may be skipped with a reason. */
const ALWAYS = ['pick_first', 'round_robin', 'thick_round_robin'];
const RUN_TIMEOUT_MS = 120_000;

interface BenchJson {
  readonly meta: { readonly smoke: boolean };
  readonly figures: readonly FigureResult[];
  readonly targets: readonly TargetResult[];
}

describe('bench --smoke', () => {
  it('runs every figure for every configuration and writes the JSON with ratios', {
    timeout: RUN_TIMEOUT_MS,
  }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'grpc-thick-bench-smoke-'));
    try {
      const out = join(dir, 'smoke.json');
      const env = { ...process.env };
      delete env.NODE_TEST_CONTEXT;
      const started = Date.now();
      const run = spawnSync(process.execPath, ['--expose-gc', MAIN, '--smoke', '--out', out], {
        env,
        encoding: 'utf8',
        timeout: RUN_TIMEOUT_MS,
      });
      console.log(`bench --smoke took ${Date.now() - started} ms`);
      assert.equal(run.status, 0, `bench --smoke failed:\n${run.stdout}\n${run.stderr}`);
      assert.match(run.stdout, /Targets/);
      const json = JSON.parse(readFileSync(out, 'utf8')) as BenchJson;
      assert.equal(json.meta.smoke, true);
      assert.deepEqual(
        json.figures.map((f) => f.id),
        FIGURES,
      );
      for (const figure of json.figures) {
        assert.ok(figure.rows.length > 0, `${figure.id} has no rows`);
        for (const row of figure.rows) {
          if (row.skipped) {
            assert.ok(!ALWAYS.includes(row.id), `${figure.id}/${row.id} skipped: ${row.skipped}`);
            continue;
          }
          assert.equal(
            row.errors,
            0,
            `${figure.id}/${row.id}: ${row.errors} failed calls (${row.firstError})`,
          );
          const first = row.values[figure.metrics[0]!.key];
          assert.ok(first, `${figure.id}/${row.id} has no ${figure.metrics[0]!.key}`);
          assert.equal(first.values.length, figure.repetitions, `${figure.id}/${row.id} repetitions`);
          assert.ok(
            first.values.every((v) => typeof v === 'number' && Number.isFinite(v)),
            `${figure.id}/${row.id}: ${JSON.stringify(first.values)}`,
          );
        }
      }
      const figure = (id: string) => json.figures.find((f) => f.id === id)!;
      const row = (f: string, id: string) => figure(f).rows.find((r) => r.id === id)!;
      for (const f of ['closedLoop', 'openLoop']) {
        assert.ok(row(f, 'thick_round_robin').ratios.round_robin?.p99Ms, `${f}: no ratio to round_robin`);
        assert.ok(row(f, 'round_robin').ratios.pick_first?.p99Ms, `${f}: no ratio to pick_first`);
        const proxy = row(f, 'proxy');
        if (!proxy.skipped)
          assert.ok(row(f, 'thick_round_robin').ratios.proxy?.p50Ms, `${f}: no ratio to proxy`);
      }
      for (const f of ['slowPod', 'slowPodSmallYoung'])
        assert.ok(row(f, 'round_robin').ratios.thick_round_robin?.p99Ms, `${f}: no ratio`);
      assert.ok(row('scale', 'thick_round_robin').values.pollCpuMs, 'scale: no poll CPU');
      // A property, not a speed: churn touches no connection but the changed endpoint's.
      const churn = row('churn', 'thick_round_robin').values;
      assert.equal(churn.untouchedTouched?.max, 0, JSON.stringify(churn));
      assert.ok((churn.addedConnects?.min ?? 0) > 0, JSON.stringify(churn));
      assert.ok(json.targets.length > 0);
      for (const t of json.targets)
        assert.ok(['met', 'missed', 'skipped'].includes(t.status), JSON.stringify(t));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
