import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { OPTION_PREFIX, RESOLVER_DEFAULTS, ROUND_ROBIN_DEFAULTS } from '../../lib/config/defaults.js';
import { formatDuration } from '../../lib/config/fields.js';
import { RESOLVER_OPTION_FOR_FIELD, RESOLVER_OPTION_NAMES } from '../../lib/discovery/options.js';

const root = join(__dirname, '..', '..', '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');

/** The table row that starts with `option`, as its cells. */
function row(text: string, option: string): string[] | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`| \`${option}\``));
  return line?.split('|').map((c) => c.trim());
}

describe('docs match the defaults in code', () => {
  for (const file of ['docs/configuration.md', 'README.md']) {
    it(`${file} lists every resolver option with its default`, () => {
      const text = read(file);
      for (const name of RESOLVER_OPTION_NAMES) {
        const cells = row(text, name);
        assert.ok(cells, `${file} has no row for ${name}`);
        const field = Object.entries(RESOLVER_OPTION_FOR_FIELD).find(([, n]) => n === name)![0];
        const value = RESOLVER_DEFAULTS[field as keyof typeof RESOLVER_DEFAULTS];
        assert.ok(
          cells.some((c) => c.startsWith(`\`${JSON.stringify(value)}\``)),
          `${file}: ${name} should show the default ${JSON.stringify(value)}, row: ${cells.join(' | ')}`,
        );
      }
    });

    it(`${file} lists drain_timeout with its default`, () => {
      const cells = row(read(file), 'drain_timeout');
      assert.ok(cells?.some((c) => c.includes(`"${formatDuration(ROUND_ROBIN_DEFAULTS.drainTimeoutMs)}"`)));
    });
  }

  it('every documented grpc-thick option exists', () => {
    for (const file of ['docs/configuration.md', 'README.md']) {
      const mentioned =
        read(file).match(new RegExp(`${OPTION_PREFIX.replace('.', '\\.')}[a-z_]+`, 'g')) ?? [];
      for (const name of mentioned)
        assert.ok(RESOLVER_OPTION_NAMES.includes(name), `${file} mentions unknown ${name}`);
    }
  });
});
