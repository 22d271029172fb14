// The real-DNS backend: a dnsmasq child serving A/AAAA from a --hostsdir (inotify, no restart) and
// SRV from --srv-host flags (dnsmasq cannot reload those: a changed SRV set means a restart).

import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { chmod, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { forgetTempDir, registerChild, registerTempDir, waitForExit } from '../processes.js';
import { retrying } from '../retry.js';
import { DnsmasqQueryLog } from './dnsmasq-log.js';
import { DNS_NET_DEFAULTS, formatAddress, pickFreeDnsPort, probeDns } from './net.js';
import type { ClusterDns, DnsFault, DnsQueryLogEntry, DnsRecord, SrvRecord } from './types.js';
import { formatFault } from './types.js';
import { normalizeName } from './zone.js';

export const DNSMASQ_DEFAULTS = Object.freeze({
  host: DNS_NET_DEFAULTS.host,
  zone: 'cluster.local',
  ttlSeconds: 5,
  /** Harness probes come from here, so they can be left out of the query log. */
  probeSourceHost: '127.0.53.2',
  probeTimeoutMs: 200,
  pollIntervalMs: 10,
  startTimeoutMs: 5000,
  stopTimeoutMs: 3000,
  verifyTimeoutMs: 3000,
  startAttempts: 5,
  stderrTailLines: 30,
  /** dnsmasq lives in sbin, which is not on every user's PATH. */
  extraSearchDirs: ['/usr/sbin', '/sbin', '/usr/local/sbin'],
  dirMode: 0o755,
  fileMode: 0o644,
  maxLoggedQueries: 100_000,
});

/** The dnsmasq binary (PATH first, then the sbin folders), or undefined when not installed. */
export function findDnsmasq(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = [...(env.PATH ?? '').split(delimiter).filter(Boolean), ...DNSMASQ_DEFAULTS.extraSearchDirs];
  for (const dir of dirs) {
    const candidate = join(dir, 'dnsmasq');
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

export interface DnsmasqOptions {
  readonly host?: string;
  readonly port?: number;
  readonly zone?: string;
  /** One TTL for every record (--local-ttl); records may not carry another. */
  readonly ttlSeconds?: number;
  readonly records?: readonly DnsRecord[];
  /** Path of the dnsmasq binary; default findDnsmasq(). */
  readonly binary?: string;
  /** Receives dnsmasq's own log lines (queries included). */
  readonly log?: (line: string) => void;
}

export class DnsmasqServer implements ClusterDns {
  readonly kind = 'dnsmasq' as const;
  readonly host: string;
  readonly zone: string;
  readonly ttlSeconds: number;
  private portValue: number;
  private readonly binary: string;
  private readonly dir: string;
  private readonly logLine: ((line: string) => void) | undefined;
  private proc: ChildProcess | undefined;
  private records: readonly DnsRecord[] = [];
  private srvKey = '';
  private currentFault: DnsFault = 'none';
  private readonly log = new DnsmasqQueryLog(
    DNSMASQ_DEFAULTS.probeSourceHost,
    DNSMASQ_DEFAULTS.maxLoggedQueries,
  );
  private stderrTail: string[] = [];
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(options: DnsmasqOptions, binary: string, dir: string) {
    this.host = options.host ?? DNSMASQ_DEFAULTS.host;
    this.zone = normalizeName(options.zone ?? DNSMASQ_DEFAULTS.zone);
    this.ttlSeconds = options.ttlSeconds ?? DNSMASQ_DEFAULTS.ttlSeconds;
    this.portValue = options.port ?? 0;
    this.binary = binary;
    this.dir = dir;
    this.logLine = options.log;
  }

  static async start(options: DnsmasqOptions = {}): Promise<DnsmasqServer> {
    const binary = options.binary ?? findDnsmasq();
    if (!binary) {
      throw new Error(
        'dnsmasq not found (apt-get install -y dnsmasq-base), or use the in-process DNS backend',
      );
    }
    const dir = await mkdtemp(join(tmpdir(), 'grpc-thick-dns-'));
    registerTempDir(dir);
    const server = new DnsmasqServer(options, binary, dir);
    try {
      // dnsmasq drops to "nobody" when started as root: mkdtemp's 0700 would hide the hosts.
      await chmod(dir, DNSMASQ_DEFAULTS.dirMode);
      await mkdir(server.hostsDir, { mode: DNSMASQ_DEFAULTS.dirMode });
      await chmod(server.hostsDir, DNSMASQ_DEFAULTS.dirMode);
      server.validate(options.records ?? []);
      server.records = options.records ?? [];
      server.srvKey = srvKey(server.records);
      await server.writeHosts();
      await server.startProcess(options.port === undefined);
      return server;
    } catch (error) {
      await server.close();
      throw error;
    }
  }

  get port(): number {
    return this.portValue;
  }

  get address(): string {
    return formatAddress(this.host, this.portValue);
  }

  get fault(): DnsFault {
    return this.currentFault;
  }

  get queries(): readonly DnsQueryLogEntry[] {
    return this.log.entries;
  }

  /** The pid of the running dnsmasq (undefined while down). */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  clearQueries(): void {
    this.log.clear();
  }

  private get hostsDir(): string {
    return join(this.dir, 'hosts.d');
  }

  publish(records: readonly DnsRecord[]): Promise<void> {
    return this.serialize(async () => {
      this.validate(records);
      const previous = this.records;
      this.records = records;
      await this.writeHosts();
      const key = srvKey(records);
      const srvChanged = key !== this.srvKey;
      this.srvKey = key;
      if (this.currentFault === 'down') return;
      if (srvChanged) await this.restart();
      await this.verifyHosts(previous, records);
    });
  }

  setFault(fault: DnsFault): Promise<void> {
    if (fault !== 'none' && fault !== 'down') {
      return Promise.reject(
        new Error(
          `the dnsmasq backend only supports the 'none' and 'down' DNS faults, not '${formatFault(fault)}'; ` +
            "start the cluster with dns: 'inprocess' for servfail/refused/timeout/delay",
        ),
      );
    }
    return this.serialize(async () => {
      if (this.closed) throw new Error('DNS server is closed');
      if (fault === this.currentFault) return;
      if (fault === 'down') await this.stopProcess();
      else await this.startProcess(false);
      this.currentFault = fault;
    });
  }

  close(): Promise<void> {
    if (this.closed) return this.chain.then(() => undefined);
    this.closed = true;
    const done = this.chain.then(async () => {
      await this.stopProcess();
      await rm(this.dir, { recursive: true, force: true });
      forgetTempDir(this.dir);
    });
    this.chain = done.catch(() => undefined);
    return done;
  }

  private serialize<T>(task: () => Promise<T>): Promise<T> {
    const run = this.chain.then(task);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private validate(records: readonly DnsRecord[]): void {
    for (const record of records) {
      const name = normalizeName(record.name);
      if (name !== this.zone && !name.endsWith(`.${this.zone}`)) {
        throw new Error(`record ${record.name} is outside the zone ${this.zone}`);
      }
      if (record.ttl !== undefined && record.ttl !== this.ttlSeconds) {
        throw new Error(
          `dnsmasq serves one TTL (${this.ttlSeconds}s); record ${record.name} asks ${record.ttl}s`,
        );
      }
    }
  }

  /** Written beside the watched folder, then renamed in: dnsmasq would read a half-written file. */
  private async writeHosts(): Promise<void> {
    const byAddress = new Map<string, string[]>();
    for (const record of this.records) {
      if (record.type === 'SRV') continue;
      const names = byAddress.get(record.address) ?? [];
      names.push(normalizeName(record.name));
      byAddress.set(record.address, names);
    }
    const text = [...byAddress].map(([address, names]) => `${address} ${names.join(' ')}\n`).join('');
    const staging = join(this.dir, 'hosts.tmp');
    await writeFile(staging, text, { mode: DNSMASQ_DEFAULTS.fileMode });
    await chmod(staging, DNSMASQ_DEFAULTS.fileMode);
    await rename(staging, join(this.hostsDir, 'hosts'));
  }

  private args(): string[] {
    const srv = this.records
      .filter((r): r is SrvRecord => r.type === 'SRV')
      .map(
        (r) =>
          `--srv-host=${normalizeName(r.name)},${normalizeName(r.target)},${r.port},${r.priority},${r.weight}`,
      );
    return [
      '--keep-in-foreground',
      '--conf-file=/dev/null',
      `--port=${this.portValue}`,
      `--listen-address=${this.host}`,
      '--bind-interfaces',
      '--no-resolv',
      '--no-hosts',
      '--no-poll',
      `--local=/${this.zone}/`,
      `--hostsdir=${this.hostsDir}`,
      `--local-ttl=${this.ttlSeconds}`,
      '--log-queries',
      '--log-facility=-',
      `--pid-file=${join(this.dir, 'dnsmasq.pid')}`,
      ...srv,
    ];
  }

  private async startProcess(mayPickPort: boolean): Promise<void> {
    // A restart can race the old sockets' release; a fresh start can race another bed.
    await retrying(
      async (attempt) => {
        if (mayPickPort && (this.portValue === 0 || attempt > 1))
          this.portValue = await pickFreeDnsPort(this.host);
        await this.spawnOnce();
      },
      {
        attempts: DNSMASQ_DEFAULTS.startAttempts,
        retryOn: () => this.stderrTail.some((line) => line.includes('Address already in use')),
        firstDelayMs: DNSMASQ_DEFAULTS.pollIntervalMs,
      },
    );
  }

  private async spawnOnce(): Promise<void> {
    this.stderrTail = [];
    const child = spawn(this.binary, this.args(), { stdio: ['ignore', 'ignore', 'pipe'] });
    registerChild(child);
    this.proc = child;
    let spawnError: Error | undefined;
    child.once('error', (error) => {
      spawnError = error;
    });
    if (child.stderr) createInterface({ input: child.stderr }).on('line', (line) => this.onLogLine(line));
    const deadline = Date.now() + DNSMASQ_DEFAULTS.startTimeoutMs;
    for (;;) {
      if (spawnError) throw spawnError;
      if (child.exitCode !== null || child.signalCode !== null) {
        await sleep(DNSMASQ_DEFAULTS.pollIntervalMs);
        this.proc = undefined;
        throw new Error(
          `dnsmasq exited at start (${child.exitCode ?? child.signalCode}):\n${this.stderrTail.join('\n')}`,
        );
      }
      const answer = await this.probe(this.zone, 'SOA');
      if (answer) return;
      if (Date.now() > deadline) {
        await this.stopProcess();
        throw new Error(`dnsmasq did not answer within ${DNSMASQ_DEFAULTS.startTimeoutMs} ms`);
      }
      await sleep(DNSMASQ_DEFAULTS.pollIntervalMs);
    }
  }

  private async stopProcess(): Promise<void> {
    const child = this.proc;
    this.proc = undefined;
    if (!child || child.pid === undefined) return;
    const exited = waitForExit(child);
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), DNSMASQ_DEFAULTS.stopTimeoutMs);
    await exited;
    clearTimeout(timer);
  }

  private async restart(): Promise<void> {
    await this.stopProcess();
    await this.startProcess(false);
  }

  private probe(name: string, type: 'A' | 'AAAA' | 'SOA') {
    return probeDns(
      this.host,
      this.portValue,
      name,
      type,
      DNSMASQ_DEFAULTS.probeTimeoutMs,
      DNSMASQ_DEFAULTS.probeSourceHost,
    );
  }

  /** inotify pick-up takes well under a millisecond, but publish() promises the change is live. */
  private async verifyHosts(previous: readonly DnsRecord[], next: readonly DnsRecord[]): Promise<void> {
    const checks = new Map<string, { name: string; type: 'A' | 'AAAA'; want: Set<string> }>();
    for (const record of [...previous, ...next]) {
      if (record.type === 'SRV') continue;
      const name = normalizeName(record.name);
      checks.set(`${record.type} ${name}`, { name, type: record.type, want: new Set() });
    }
    for (const record of next) {
      if (record.type !== 'SRV')
        checks.get(`${record.type} ${normalizeName(record.name)}`)?.want.add(record.address);
    }
    const deadline = Date.now() + DNSMASQ_DEFAULTS.verifyTimeoutMs;
    for (const check of checks.values()) {
      for (;;) {
        const answer = await this.probe(check.name, check.type);
        const got = (answer?.answers ?? []).flatMap((a) => (a.type === check.type ? [String(a.data)] : []));
        const matches = answer?.truncated
          ? got.every((ip) => check.want.has(ip))
          : got.length === check.want.size && got.every((ip) => check.want.has(ip));
        if (answer && matches) break;
        if (Date.now() > deadline) {
          throw new Error(`dnsmasq still answers ${check.type} ${check.name} with [${got}] after publish`);
        }
        await sleep(DNSMASQ_DEFAULTS.pollIntervalMs);
      }
    }
  }

  private onLogLine(line: string): void {
    this.logLine?.(line);
    this.stderrTail.push(line);
    if (this.stderrTail.length > DNSMASQ_DEFAULTS.stderrTailLines) this.stderrTail.shift();
    this.log.parse(line);
  }
}

function srvKey(records: readonly DnsRecord[]): string {
  return records
    .filter((r): r is SrvRecord => r.type === 'SRV')
    .map((r) => `${normalizeName(r.name)},${normalizeName(r.target)},${r.port},${r.priority},${r.weight}`)
    .sort()
    .join(' ');
}
