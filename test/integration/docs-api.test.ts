// The API reference (`npm run docs:api`, typedoc over the package's public entry points) builds
// with no error and no warning: a public type that refers to one the entries do not export is a
// warning, and a gap in the API users can name.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const root = join(__dirname, '..', '..', '..');
const TYPEDOC_TIMEOUT_MS = 120_000;

describe('API reference', () => {
  it('typedoc runs cleanly over lib/index.ts, register.ts, testing.ts and server.ts', async () => {
    const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile(
        process.execPath,
        [join(root, 'node_modules/typedoc/bin/typedoc'), '--emit', 'none'],
        { cwd: root, timeout: TYPEDOC_TIMEOUT_MS, encoding: 'utf8' },
        (error, stdout, stderr) =>
          resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
      );
    });
    assert.equal(code, 0, output);
    assert.doesNotMatch(output, /\[(warning|error)\]/, output);
  });
});
