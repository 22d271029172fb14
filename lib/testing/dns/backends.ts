// Chooses and starts a cluster DNS backend.
import { DnsmasqServer, findDnsmasq } from './dnsmasq-server.js';
import { InProcessDnsServer } from './inprocess-server.js';
import type { ClusterDns, DnsBackendKind, DnsRecord } from './types.js';

export type DnsBackendChoice = DnsBackendKind | 'auto';

export const DNS_BACKEND_DEFAULTS = Object.freeze({
  /** Overrides the 'auto' choice: "dnsmasq" or "inprocess". */
  envVariable: 'GRPC_THICK_TESTBED_DNS',
});

export function isDnsmasqAvailable(): boolean {
  return findDnsmasq() !== undefined;
}

/** 'auto' → the env override if set, else dnsmasq when installed, else the in-process server. */
export function resolveDnsBackend(
  choice: DnsBackendChoice = 'auto',
  env: NodeJS.ProcessEnv = process.env,
): DnsBackendKind {
  if (choice !== 'auto') return choice;
  const override = env[DNS_BACKEND_DEFAULTS.envVariable]?.trim();
  if (override === 'dnsmasq' || override === 'inprocess') return override;
  if (override) {
    throw new Error(
      `${DNS_BACKEND_DEFAULTS.envVariable} must be "dnsmasq" or "inprocess", not "${override}"`,
    );
  }
  return isDnsmasqAvailable() ? 'dnsmasq' : 'inprocess';
}

export interface ClusterDnsOptions {
  readonly host?: string;
  readonly port?: number;
  readonly zone?: string;
  readonly ttlSeconds?: number;
  readonly records?: readonly DnsRecord[];
  readonly log?: (line: string) => void;
}

export function startClusterDns(kind: DnsBackendKind, options: ClusterDnsOptions = {}): Promise<ClusterDns> {
  if (kind === 'dnsmasq') return DnsmasqServer.start(options);
  const { log: _log, ...rest } = options;
  return InProcessDnsServer.start(rest);
}
