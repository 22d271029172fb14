import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  FAILURE_CODE_DEFAULTS,
  KEEPALIVE_DEFAULTS,
  OPTION_PREFIX,
  P2C_DEFAULTS,
  RESOLVER_DEFAULTS,
  RETRY_BUDGET_DEFAULTS,
  RETRY_POLICY_DEFAULTS,
  ROUND_ROBIN_DEFAULTS,
} from '../../lib/config/defaults.js';
import { formatDuration } from '../../lib/config/fields.js';
import { DEFAULT_HEALTH_SETTINGS } from '../../lib/config/health-config.js';
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

describe('docs match the health defaults in code', () => {
  const text = readFileSync(join(root, 'docs/configuration.md'), 'utf8');
  const d = DEFAULT_HEALTH_SETTINGS;
  const expected: [string, string][] = [
    ['failure_codes', JSON.stringify(FAILURE_CODE_DEFAULTS)],
    ['connect_timeout', JSON.stringify(formatDuration(ROUND_ROBIN_DEFAULTS.connectTimeoutMs))],
    ['retry_budget.percent', String(RETRY_BUDGET_DEFAULTS.percent)],
    ['retry_budget.min_retries_per_second', String(RETRY_BUDGET_DEFAULTS.minRetriesPerSecond)],
    ['retry_budget.window', JSON.stringify(formatDuration(RETRY_BUDGET_DEFAULTS.windowMs))],
    ['ejection.consecutive_failures', String(d.ejection.consecutiveFailures)],
    ['ejection.interval', JSON.stringify(formatDuration(d.ejection.intervalMs))],
    ['ejection.failure_percentage.threshold', String(d.ejection.failurePercent?.threshold)],
    ['ejection.failure_percentage.minimum_requests', String(d.ejection.failurePercent?.minimumRequests)],
    ['ejection.base_time', JSON.stringify(formatDuration(d.ejection.baseEjectionMs))],
    ['ejection.max_time', JSON.stringify(formatDuration(d.ejection.maxEjectionMs))],
    ['ejection.jitter', String(d.ejection.ejectionJitter)],
    ['ejection.max_ejected_percent', String(d.ejection.maxEjectedPercent)],
    ['panic_threshold_percent', String(d.panicThresholdPercent)],
    ['stall_detection.latency_multiplier', String(d.stall?.latencyMultiplier)],
    ['stall_detection.floor', JSON.stringify(formatDuration(d.stall?.floorMs ?? 0))],
    ['stall_detection.min_outstanding', String(d.stall?.minOutstanding)],
    ['load_metric', JSON.stringify(P2C_DEFAULTS.loadMetric)],
    ['default_latency', JSON.stringify(formatDuration(P2C_DEFAULTS.defaultLatencyMs))],
    ['decay', JSON.stringify(formatDuration(P2C_DEFAULTS.decayMs))],
    ['failure_penalty', String(P2C_DEFAULTS.failurePenalty)],
  ];
  for (const [field, value] of expected) {
    it(`${field} is documented as ${value}`, () => {
      const cells = row(text, field);
      assert.ok(cells, `no row for ${field}`);
      assert.equal(cells[2], `\`${value}\``);
    });
  }

  it('retry policy defaults are documented', () => {
    const r = RETRY_POLICY_DEFAULTS;
    assert.equal(row(text, 'retry.maxAttempts')?.[2], `\`${r.maxAttempts}\``);
    assert.equal(row(text, 'retry.initialBackoffMs')?.[2], `\`${r.initialBackoffMs}\``);
    assert.equal(row(text, 'retry.maxBackoffMs')?.[2], `\`${r.maxBackoffMs}\``);
    assert.equal(row(text, 'retry.backoffMultiplier')?.[2], `\`${r.backoffMultiplier}\``);
    assert.equal(
      row(text, 'retry.retryableStatusCodes')?.[2],
      `\`${JSON.stringify(r.retryableStatusCodes)}\``,
    );
  });

  it('keepalive defaults are documented', () => {
    assert.equal(row(text, 'keepalive.timeMs')?.[3], `\`${KEEPALIVE_DEFAULTS.timeMs}\``);
    assert.equal(row(text, 'keepalive.timeoutMs')?.[3], `\`${KEEPALIVE_DEFAULTS.timeoutMs}\``);
    assert.ok(
      row(text, 'keepalive.permitWithoutCalls')?.[3]?.startsWith(
        `\`${KEEPALIVE_DEFAULTS.permitWithoutCalls}\``,
      ),
    );
  });

  it('slow start and health checking are documented as off, as in code', () => {
    assert.equal(d.slowStart, null);
    assert.equal(d.healthCheck, null);
    assert.equal(row(text, 'slow_start')?.[2], 'off');
    assert.equal(row(text, 'health_check')?.[2], 'off');
  });
});
