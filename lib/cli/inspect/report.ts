// What `inspect` prints: a header (target, DNS server, the name that matched), one table row per
// endpoint, and the problems spelled out below it.
import type { EndpointReport } from './probe.js';
import type { DnsReport } from './resolve.js';

export interface InspectReport {
  readonly target: string;
  /** null for an IP literal target: no DNS query. */
  readonly dns: DnsReport | null;
  readonly healthService: string;
  readonly endpoints: readonly EndpointReport[];
  readonly summary: { readonly endpoints: number; readonly ok: number; readonly failed: number };
  /** 0: every endpoint reachable and serving; 1: some are not. */
  readonly exitCode: 0 | 1;
}

const SOURCES: Readonly<Record<DnsReport['serverSource'], string>> = {
  flag: 'from --dns-server',
  target: 'from the target',
  'resolv.conf': 'from --resolv-conf',
  system: 'system resolver',
};
const RECORD_TYPES = { any: 'A and AAAA', ipv4: 'A', ipv6: 'AAAA' } as const;
const COLUMNS = ['ENDPOINT', 'TTL', 'CONNECT', 'HEALTH', 'CALLS OK/FAILED', 'P50'] as const;
const GAP = '  ';
const MS_DECIMALS = 1;

const ms = (value: number | null): string => (value === null ? '-' : `${value.toFixed(MS_DECIMALS)} ms`);

function row(e: EndpointReport): string[] {
  return [
    e.address,
    e.ttlSeconds === null ? '-' : `${e.ttlSeconds}s`,
    e.connect.ok ? ms(e.connect.ms) : e.connect.error,
    e.health?.status ?? '-',
    e.calls ? `${e.calls.ok}/${e.calls.failed}` : '-',
    ms(e.calls?.p50Ms ?? null),
  ];
}

function table(rows: readonly string[][]): string[] {
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join(GAP)
      .trimEnd();
  return [line(COLUMNS), ...rows.map(line)];
}

/** Why an endpoint is not OK, in one line, or undefined when it is. */
function problem(e: EndpointReport): string | undefined {
  if (!e.connect.ok) return `cannot connect (${e.connect.error}): ${e.connect.message}`;
  const health = e.health;
  if (health && health.status !== 'SERVING' && health.status !== 'UNIMPLEMENTED') {
    return `health check answered ${health.status}${health.message ? `: ${health.message}` : ''}`;
  }
  if (e.calls && e.calls.failed > 0) {
    const codes = Object.entries(e.calls.codes)
      .map(([code, n]) => `${code}×${n}`)
      .join(', ');
    return `${e.calls.failed} of ${e.calls.ok + e.calls.failed} calls to ${e.calls.method} failed (${codes}); first: ${e.calls.firstError}`;
  }
  return undefined;
}

export function formatReport(report: InspectReport): string {
  const lines = [`target   ${report.target}`];
  const dns = report.dns;
  if (dns) {
    lines.push(`dns      ${dns.server} (${SOURCES[dns.serverSource]}), ${RECORD_TYPES[dns.addressFamily]}`);
    // The names actually asked, in order: the search list stops at the first that answers.
    const asked = [...new Set(dns.queries.map((q) => q.name))];
    const tried = asked.length > 1 ? `  (tried ${asked.join(', ')})` : '';
    lines.push(`name     ${dns.matched}${tried}`);
    for (const ignored of dns.ignored) lines.push(`ignored  ${ignored}`);
  } else {
    lines.push('dns      none: the target is an IP address');
  }
  lines.push(`health   grpc.health.v1.Health/Check, service ${JSON.stringify(report.healthService)}`, '');
  lines.push(...table(report.endpoints.map(row)), '');
  const { endpoints, ok } = report.summary;
  lines.push(`${ok} of ${endpoints} endpoint(s) reachable and serving`);
  for (const e of report.endpoints) {
    const why = problem(e);
    if (why) lines.push(`  ${e.address}: ${why}`);
    else if (e.health?.status === 'UNIMPLEMENTED')
      lines.push(`  ${e.address}: no health service (UNIMPLEMENTED): counted as serving, as the SDK does`);
  }
  return `${lines.join('\n')}\n`;
}
