// Backend hosts for the scale and churn figures: `endpoints` loopback addresses served by a few
// grpc-js processes, every address on the same port (DNS A records carry no port).
import { join } from 'node:path';
import { BenchChild, ChildFatalError } from '../children.js';
import { type ConnectionCounts, HOST_CONFIG_ENV, type HostConfig, type HostMessage } from './protocol.js';

const ADDRESSES = Object.freeze({
  /** 127.0.x.x holds 127.0.0.1 and the bed's DNS (127.0.53.x); the bed's pods use port 50051. */
  minSecondOctet: 1,
  maxSecondOctet: 254,
  hostsPerBlock: 250,
  /** Ports for the hosts: below Linux's ephemeral range, away from the bed's 50051 and DNS 20000-29999. */
  minPort: 10_000,
  portSpan: 10_000,
  attempts: 5,
});

/** `count` fresh loopback addresses in consecutive /24s of a randomly chosen 127.a.b block. */
export function loopbackAddresses(count: number): string[] {
  const blocks = Math.ceil(count / ADDRESSES.hostsPerBlock);
  const second =
    ADDRESSES.minSecondOctet +
    Math.floor(Math.random() * (ADDRESSES.maxSecondOctet - ADDRESSES.minSecondOctet + 1));
  const firstThird = Math.floor(Math.random() * (256 - blocks));
  return Array.from({ length: count }, (_, i) => {
    const third = firstThird + Math.floor(i / ADDRESSES.hostsPerBlock);
    return `127.${second}.${third}.${(i % ADDRESSES.hostsPerBlock) + 1}`;
  });
}

export class BackendHosts {
  private constructor(
    readonly ips: readonly string[],
    readonly port: number,
    private readonly children: readonly BenchChild[],
  ) {}

  /** Starts `processes` hosts sharing `ips` between them; retries on another port if one is taken. */
  static async start(ips: readonly string[], processes: number): Promise<BackendHosts> {
    let lastError: unknown;
    for (let attempt = 0; attempt < ADDRESSES.attempts; attempt++) {
      const port = ADDRESSES.minPort + Math.floor(Math.random() * ADDRESSES.portSpan);
      const children = splitEvenly(ips, processes).map((share, i) => {
        const config: HostConfig = { name: `host-${i + 1}`, ips: share, port };
        return new BenchChild(join(__dirname, 'host-main.js'), { [HOST_CONFIG_ENV]: JSON.stringify(config) });
      });
      try {
        await Promise.all(
          children.map((c) => c.once<Extract<HostMessage, { type: 'listening' }>>('listening')),
        );
        return new BackendHosts(ips, port, children);
      } catch (error) {
        lastError = error;
        await Promise.all(children.map((c) => c.kill()));
        if (!(error instanceof ChildFatalError && error.report.addressInUse)) break;
      }
    }
    throw new Error(`backend hosts did not start: ${(lastError as Error)?.message}`);
  }

  /** "ip:port" of every address. */
  get addresses(): string[] {
    return this.ips.map((ip) => `${ip}:${this.port}`);
  }

  /** Connection counters summed over the hosts, per ip. */
  async counts(): Promise<ConnectionCounts> {
    const replies = await Promise.all(
      this.children.map((c) => c.request<Extract<HostMessage, { type: 'stats' }>>({ type: 'stats' })),
    );
    const connects: Record<string, number> = {};
    const closes: Record<string, number> = {};
    for (const { counts } of replies) {
      Object.assign(connects, counts.connects);
      Object.assign(closes, counts.closes);
    }
    return { connects, closes };
  }

  async stop(): Promise<void> {
    await Promise.all(this.children.map((c) => c.kill()));
  }
}

function splitEvenly<T>(items: readonly T[], parts: number): T[][] {
  const out: T[][] = Array.from({ length: Math.max(1, Math.min(parts, items.length)) }, () => []);
  items.forEach((item, i) => {
    out[i % out.length]!.push(item);
  });
  return out;
}
