import { systemClock } from '../common/clock.js';
import { WireDnsQuerier } from '../discovery/dns-client.js';
import { EndpointLookup } from '../discovery/lookup.js';
import { parseResolverOptions, type ResolverOptions } from '../discovery/options.js';
import { DnsPoller, type PollObservation, type Resolution } from '../discovery/poller.js';
import { planLookup } from '../discovery/servers.js';
import { type DnsPollTarget, type HostAndPort, parseTarget } from '../discovery/target.js';
import { thickEvents } from '../metrics/events.js';
import { acquireStats, releaseStats, type TargetStats } from '../metrics/stats.js';
import {
  type ChannelOptions,
  type Endpoint,
  endpointsValue,
  type GrpcUri,
  type Resolver,
  type ResolverListener,
  unavailableError,
  uriToString,
} from './adapter.js';
import { log, warnOnce } from './log.js';
import { checkServiceConfig } from './service-config.js';

/**
 * Tells the thick policy which target its channel has (for metrics and events): a resolver
 * attribute, which grpc-js merges into the options the policy gets. A string, equal for channels
 * to the same target, so it never splits grpc-js's shared subchannels.
 */
export const TARGET_ATTRIBUTE = 'grpc-thick-client.target';

/**
 * The `dns-poll:` scheme: polls A/AAAA records of a (headless Service) name and hands every change
 * to the channel. Construction validates the target, our channel options and the service config,
 * so a mistake throws from `new Client()` instead of degrading silently.
 */
export class DnsPollResolver implements Resolver {
  private readonly poller: DnsPoller | null;
  private readonly target: DnsPollTarget;
  private literalPending = false;
  private destroyed = false;
  private readonly written: string;
  private readonly attributes: Readonly<Record<string, unknown>>;
  private stats: TargetStats | null;

  constructor(
    uri: GrpcUri,
    private readonly listener: ResolverListener,
    channelOptions: ChannelOptions,
  ) {
    this.target = parseTarget(uri);
    const options = parseResolverOptions(channelOptions);
    const policy = checkServiceConfig(channelOptions['grpc.service_config']);
    const written = uriToString(uri);
    this.written = written;
    this.attributes = Object.freeze({ [TARGET_ATTRIBUTE]: written });
    this.stats = acquireStats(written);
    if (policy === 'pick_first') {
      warnOnce(
        `target ${written} is used without a thick_* policy in grpc.service_config's loadBalancingConfig: ` +
          'grpc-js falls back to pick_first and sends every call to one pod (see thickChannelOptions())',
      );
    }
    if (this.target.defaultPort) {
      warnOnce(`target ${written} has no port: using ${this.target.port}, as grpc's dns: scheme does`);
    }
    this.poller = this.target.literal ? null : this.createPoller(this.target, options);
  }

  static getDefaultAuthority(uri: GrpcUri): string {
    return uri.path;
  }

  updateResolution(): void {
    this.destroyed = false;
    this.stats ??= acquireStats(this.written);
    if (this.poller) {
      this.poller.requestResolution();
      return;
    }
    // An IP literal never changes: answer each request once, asynchronously.
    if (this.literalPending) return;
    this.literalPending = true;
    setImmediate(() => {
      this.literalPending = false;
      if (!this.destroyed)
        this.listener(endpointsValue([toEndpoint(this.target.literal!)]), this.attributes, null, '');
    });
  }

  destroy(): void {
    this.destroyed = true;
    this.poller?.destroy();
    if (this.stats) releaseStats(this.written);
    this.stats = null;
  }

  private createPoller(target: DnsPollTarget, options: ResolverOptions): DnsPoller {
    const { servers, source, candidates } = planLookup(target, options.resolvConfPath);
    const querier = new WireDnsQuerier(servers, options.dnsTimeoutMs, options.dnsTries);
    const lookup = new EndpointLookup(querier, candidates, target.port, options.addressFamily);
    const server =
      source === 'target'
        ? servers.join(', ')
        : `${source === 'resolv.conf' ? `the nameservers of ${options.resolvConfPath}` : 'system DNS'} ${querier.servers().join(', ')}`;
    return new DnsPoller({
      options,
      name: target.name,
      server,
      lookup: () => lookup.lookup(),
      cancel: () => querier.cancel(),
      onResolution: (resolution) => this.report(resolution),
      onObservation: (observation) => this.observe(target.name, observation),
      clock: systemClock,
      random: Math.random,
      logger: log,
    });
  }

  private observe(name: string, o: PollObservation): void {
    const stats = this.stats;
    if (!stats) return;
    const target = this.written;
    switch (o.kind) {
      case 'answer':
        stats.dns.answers += 1;
        stats.lastGoodAnswerAt = Date.now();
        break;
      case 'empty':
        stats.dns.empty += 1;
        stats.lastGoodAnswerAt = Date.now();
        break;
      case 'failure':
        stats.dns.failures += 1;
        if (o.first)
          thickEvents.emit('dns_failure', { target, name, error: o.error, keptEndpoints: o.keptEndpoints });
        break;
      case 'recovered':
        thickEvents.emit('dns_recovered', {
          target,
          name,
          failedQueries: o.failedQueries,
          downForMs: o.downForMs,
        });
        break;
    }
  }

  private report(resolution: Resolution): void {
    switch (resolution.kind) {
      case 'endpoints':
        this.listener(
          endpointsValue(resolution.endpoints.map(toEndpoint)),
          this.attributes,
          null,
          resolution.note,
        );
        break;
      case 'empty':
        this.listener(endpointsValue([]), this.attributes, null, resolution.message);
        break;
      case 'error':
        this.listener(unavailableError(resolution.message), this.attributes, null, resolution.message);
        break;
    }
  }
}

function toEndpoint({ host, port }: HostAndPort): Endpoint {
  return { addresses: [{ host, port }] };
}
