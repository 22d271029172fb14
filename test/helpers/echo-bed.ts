import { InProcessDnsServer } from '../../lib/testing/dns/inprocess-server.js';
import { EchoServers } from './echo-servers.js';

/**
 * The fast glue tests' bed: in-process Echo servers on loopback addresses of one /24, and an
 * in-process DNS server that names them. Port and block derive from the pid, so test files running
 * at once never collide.
 */
export class EchoBed {
  readonly port = 40000 + (process.pid % 5000);
  readonly block = `127.0.${10 + (process.pid % 200)}`;
  readonly servers = new EchoServers();
  private server: InProcessDnsServer | undefined;

  ip(n: number): string {
    return `${this.block}.${n}`;
  }

  addr(n: number): string {
    return `${this.ip(n)}:${this.port}`;
  }

  get dns(): InProcessDnsServer {
    if (!this.server) throw new Error('the echo bed is not started');
    return this.server;
  }

  /** Starts the DNS server and an Echo server at each host number. */
  async start(hosts: readonly number[]): Promise<void> {
    this.server = await InProcessDnsServer.start();
    for (const n of hosts) await this.servers.start(this.addr(n));
  }

  async stop(): Promise<void> {
    await this.servers.stopAll();
    await this.server?.close();
  }

  /** The Service name `name` in the default namespace. */
  fqdn(name: string): string {
    return `${name}.default.svc.cluster.local`;
  }

  /** The dns-poll target of `name`, asking this bed's DNS server. */
  target(name: string): string {
    return `dns-poll://${this.dns.address}/${this.fqdn(name)}:${this.port}`;
  }

  /** Publishes `name` with these hosts (replacing what was published); returns its target. */
  async publish(name: string, hosts: readonly number[]): Promise<string> {
    await this.dns.publish(
      hosts.map((n) => ({ type: 'A' as const, name: this.fqdn(name), address: this.ip(n) })),
    );
    return this.target(name);
  }
}
