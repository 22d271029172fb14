// `grpc-thick-client inspect <target>`: what a client in this pod sees. Resolves the target with
// the resolver's own code and options, then connects to every endpoint, asks grpc.health.v1 and
// optionally times a few calls. Exit status: 0 all reachable and serving, 1 some not, 2 usage,
// target or DNS errors.
import { parseArgs } from 'node:util';
import { RESOLVER_DEFAULTS } from '../config/defaults.js';
import { ThickConfigError, ThickTargetError } from '../config/errors.js';
import { checkResolverOption } from '../discovery/options.js';
import { parseDnsServerAddress, parseTargetString, SCHEME } from '../discovery/target.js';
import { CliError, type Command } from './command.js';
import { type EndpointReport, type ProbeSettings, probeEndpoint } from './inspect/probe.js';
import { formatReport, type InspectReport } from './inspect/report.js';
import { DnsError, type DnsSettings, resolveTarget } from './inspect/resolve.js';

export type { InspectReport } from './inspect/report.js';

export const INSPECT_DEFAULTS = Object.freeze({
  /** Deadline of each connection, health check and call: a pod that needs longer is not healthy. */
  timeoutMs: 3_000,
  /** Timed calls per endpoint with --call: enough for a median, few enough to stay harmless. */
  calls: 5,
  /** "": the server's overall status, as Kubernetes' gRPC probe asks. */
  healthService: '',
  /** Endpoints probed at once: a large Service must not get hundreds of connections together. */
  concurrency: 8,
});

const MAX_CALLS = 1_000;
const METHOD = /^\/[^/\s]+\/[^/\s]+$/;

export interface InspectOptions extends DnsSettings, ProbeSettings {
  readonly target: string;
  readonly json: boolean;
}

export const INSPECT_USAGE = `usage: grpc-thick-client inspect <target> [options]

Resolves <target> (dns-poll:///name:port, dns-poll://dns-server/name:port, or name:port) exactly as
the SDK's resolver does (resolv.conf search list and ndots, A/AAAA with TTLs), then connects to every
endpoint, runs grpc.health.v1.Health/Check and, with --call, a few timed calls with an empty message.

options (the DNS ones are the resolver's channel options):
  --dns-server host:port   ask this DNS server (replaces the target's and resolv.conf's)
  --address-family any|ipv4|ipv6           grpc-thick.address_family (default ${RESOLVER_DEFAULTS.addressFamily})
  --dns-timeout-ms N       grpc-thick.dns_timeout_ms, per try (default ${RESOLVER_DEFAULTS.dnsTimeoutMs})
  --dns-tries N            grpc-thick.dns_tries (default ${RESOLVER_DEFAULTS.dnsTries})
  --resolv-conf PATH       grpc-thick.resolv_conf (default ${RESOLVER_DEFAULTS.resolvConfPath})
  --timeout-ms N           deadline of each connection, health check and call (default ${INSPECT_DEFAULTS.timeoutMs})
  --health-service NAME    the service asked in Health/Check (default "")
  --call /pkg.Service/Method   call this method on every endpoint with an empty message
  --calls N                how many calls (default ${INSPECT_DEFAULTS.calls})
  --json                   print the report as JSON
  -h, --help               this text

An endpoint counts as OK when it connects, its health check answers SERVING (or the server has no
health service, which the SDK also counts as serving) and every call returns OK.
exit status: 0 every endpoint OK, 1 some endpoint not OK, 2 usage, target or DNS error.
`;

const FLAGS = {
  'dns-server': { type: 'string' },
  'address-family': { type: 'string' },
  'dns-timeout-ms': { type: 'string' },
  'dns-tries': { type: 'string' },
  'resolv-conf': { type: 'string' },
  'timeout-ms': { type: 'string' },
  'health-service': { type: 'string' },
  call: { type: 'string' },
  calls: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Without the "grpc-thick-client: " prefix: the dispatcher prints its own. */
function bare(error: Error): string {
  return error.message.replace(/^grpc-thick-client: /, '');
}

/**
 * A whole-number flag, from 1 to `max`; without `max` the range is left to the resolver's own check
 * (which would call "abc" NaN, hence the digits are checked here).
 */
function integer(flag: string, text: string | undefined, fallback: number, max?: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || (max !== undefined && (value < 1 || value > max))) {
    const range = max === undefined ? '' : ` from 1 to ${max}`;
    throw new CliError(`--${flag} must be a whole number${range}, got "${text}"`);
  }
  return value;
}

/** The options of one run, or 'help'. Throws a CliError (exit 2) for anything malformed. */
export function parseInspectArgs(args: readonly string[]): InspectOptions | 'help' {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof FLAGS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: [...args], options: FLAGS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n\n${INSPECT_USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length !== 1) {
    throw new CliError(
      `${positionals.length === 0 ? 'a target is needed' : `one target only, got ${positionals.join(' ')}`}\n\n${INSPECT_USAGE}`,
    );
  }
  const call = values.call ?? null;
  if (call !== null && !METHOD.test(call)) {
    throw new CliError(`--call must be a full method name, /package.Service/Method, got "${call}"`);
  }
  if (call === null && values.calls !== undefined) throw new CliError('--calls needs --call');
  const dns: Record<string, unknown> = {
    addressFamily: values['address-family'] ?? RESOLVER_DEFAULTS.addressFamily,
    dnsTimeoutMs: integer('dns-timeout-ms', values['dns-timeout-ms'], RESOLVER_DEFAULTS.dnsTimeoutMs),
    dnsTries: integer('dns-tries', values['dns-tries'], RESOLVER_DEFAULTS.dnsTries),
    resolvConfPath: values['resolv-conf'] ?? RESOLVER_DEFAULTS.resolvConfPath,
  };
  const flagOf = {
    addressFamily: 'address-family',
    dnsTimeoutMs: 'dns-timeout-ms',
    dnsTries: 'dns-tries',
    resolvConfPath: 'resolv-conf',
  } as const;
  try {
    // The resolver's own validation, so a value the channel would refuse is refused here too.
    for (const [field, flag] of Object.entries(flagOf)) {
      checkResolverOption(field as keyof typeof flagOf, dns[field], `--${flag}`);
    }
    const dnsServer =
      values['dns-server'] === undefined ? undefined : parseDnsServerAddress(values['dns-server']);
    return {
      target: positionals[0]!,
      json: values.json ?? false,
      ...(dns as Omit<DnsSettings, 'dnsServer'>),
      ...(dnsServer ? { dnsServer } : {}),
      timeoutMs: integer(
        'timeout-ms',
        values['timeout-ms'],
        INSPECT_DEFAULTS.timeoutMs,
        Number.MAX_SAFE_INTEGER,
      ),
      healthService: values['health-service'] ?? INSPECT_DEFAULTS.healthService,
      call,
      calls: integer('calls', values.calls, INSPECT_DEFAULTS.calls, MAX_CALLS),
    };
  } catch (error) {
    if (error instanceof ThickConfigError) throw new CliError(bare(error));
    throw error;
  }
}

/** "name:port" (no scheme) as the usage allows: the same as dns-poll:///name:port. */
function withScheme(target: string): string {
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(target) || target.startsWith(`${SCHEME}:`)
    ? target
    : `${SCHEME}:///${target}`;
}

/** Resolves and probes; throws a CliError (exit 2) for a bad target or a DNS lookup with no endpoint. */
export async function inspectTarget(options: InspectOptions): Promise<InspectReport> {
  let target: ReturnType<typeof parseTargetString>;
  try {
    target = parseTargetString(withScheme(options.target));
  } catch (error) {
    if (error instanceof ThickTargetError) throw new CliError(bare(error));
    throw error;
  }
  let resolution: Awaited<ReturnType<typeof resolveTarget>>;
  try {
    resolution = await resolveTarget(target, options);
  } catch (error) {
    if (error instanceof ThickConfigError) throw new CliError(bare(error));
    throw error;
  }
  const endpoints = await mapLimited(resolution.endpoints, INSPECT_DEFAULTS.concurrency, (e) =>
    probeEndpoint(e, options),
  );
  const ok = endpoints.filter((e) => e.ok).length;
  return {
    target: options.target,
    dns: resolution.dns,
    healthService: options.healthService,
    endpoints,
    summary: { endpoints: endpoints.length, ok, failed: endpoints.length - ok },
    exitCode: ok === endpoints.length ? 0 : 1,
  };
}

async function mapLimited<T>(
  items: readonly T[],
  limit: number,
  run: (item: T) => Promise<EndpointReport>,
): Promise<EndpointReport[]> {
  const results: EndpointReport[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await run(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export const inspect: Command = async (args) => {
  const options = parseInspectArgs(args);
  if (options === 'help') {
    process.stdout.write(INSPECT_USAGE);
    return 0;
  }
  let report: InspectReport;
  try {
    report = await inspectTarget(options);
  } catch (error) {
    // A machine reading --json gets the error as JSON too; the message still goes to stderr.
    if (options.json && error instanceof CliError) {
      const dns = error instanceof DnsError ? error.dns : null;
      process.stdout.write(
        `${JSON.stringify({ target: options.target, dns, error: error.message, exitCode: error.exitCode }, null, 2)}\n`,
      );
    }
    throw error;
  }
  process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  return report.exitCode;
};
