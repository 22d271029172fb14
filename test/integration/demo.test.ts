// The README's first command: the demo runs with no setup and shows the difference.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { DemoReport } from '../../lib/cli/demo-walk.js';

const root = join(__dirname, '..', '..', '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
/** The quick walk takes about 25 s; the build before it a few more. */
const TIMEOUT_MS = 120_000;

describe('npm run demo', () => {
  it('`npm run demo -- --quick --json` exits 0; stock grpc-js fails or misses new pods, the SDK neither', () => {
    const run = spawnSync(NPM, ['run', 'demo', '--', '--quick', '--json'], {
      cwd: root,
      encoding: 'utf8',
      timeout: TIMEOUT_MS,
    });
    assert.equal(run.status, 0, `exit ${run.status}\n${run.stderr}`);
    // npm prints its own header before the script's output.
    const start = run.stdout.indexOf('\n{');
    assert.ok(start >= 0, `no JSON in:\n${run.stdout}`);
    const report = JSON.parse(run.stdout.slice(start)) as DemoReport;
    const { stock, sdk } = report.summary;
    console.log(
      `demo: stock grpc-js ${stock.failedCalls} failed of ${stock.calls}, ${(100 * stock.newPodShare).toFixed(0)} % to new pods; ` +
        `SDK ${sdk.failedCalls} failed of ${sdk.calls}, ${(100 * sdk.newPodShare).toFixed(0)} % to new pods`,
    );
    assert.equal(report.quick, true);
    assert.equal(report.steps.length, 5);
    assert.ok(stock.failedCalls > 0 || stock.newPodShare === 0, 'stock grpc-js shows the problem');
    assert.equal(sdk.failedCalls, 0, JSON.stringify(report.steps.map((s) => [s.name, s.clients.sdk])));
    assert.ok(sdk.newPodShare > 0 && sdk.firstCallOnNewPodMs !== null, 'the SDK used the new pods');
    // The progress went to stderr, one line per step (not a terminal here).
    assert.equal(run.stderr.split('\n').filter((l) => /^\[\d\/5\]/.test(l)).length, 5, run.stderr);
  });
});
