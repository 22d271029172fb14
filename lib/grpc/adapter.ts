/**
 * The one module that touches grpc-js's `experimental` API. That API changes in every minor version
 * (1.13 → 1.14 changed the resolver listener, updateAddressList and onCallEnded), so the SDK pins
 * `~1.14` and checks, when this module loads, that the grpc-js it got is 1.14.x.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../common/logger.js';

export const SUPPORTED_GRPC_JS = '1.14.x';
const SUPPORTED_MINOR = /^1\.14\./;

/** The grpc-js setup is unusable: wrong version, or a second copy. The message says what to fix. */
export class ThickSetupError extends Error {
  override readonly name = 'ThickSetupError';
  constructor(message: string) {
    super(`grpc-thick-client: ${message}`);
  }
}

function grpcJsPackage(): { version: string; path: string } {
  const path = require.resolve('@grpc/grpc-js/package.json');
  return { version: (require(path) as { version: string }).version, path };
}

/** Throws a ThickSetupError unless `version` is a grpc-js release this SDK was built for. */
export function assertSupportedGrpcJs(version: string, path: string): void {
  if (SUPPORTED_MINOR.test(version)) return;
  throw new ThickSetupError(
    `found @grpc/grpc-js ${version} at ${path}, but this version of grpc-thick-client needs ${SUPPORTED_GRPC_JS} ` +
      "(it uses grpc-js's experimental plug-in API, which changes in every minor version). " +
      'Install @grpc/grpc-js@~1.14 in your app, or a grpc-thick-client release made for your grpc-js.',
  );
}

export const grpcJs = grpcJsPackage();
assertSupportedGrpcJs(grpcJs.version, grpcJs.path);

const x = grpc.experimental;

export type ChannelOptions = grpc.ChannelOptions;
export type Endpoint = grpc.experimental.Endpoint;
export type SubchannelAddress = grpc.experimental.SubchannelAddress;
export type SubchannelInterface = grpc.experimental.SubchannelInterface;
export type ChannelControlHelper = grpc.experimental.ChannelControlHelper;
export type LoadBalancer = grpc.experimental.LoadBalancer;
export type TypedLoadBalancingConfig = grpc.experimental.TypedLoadBalancingConfig;
export type Picker = grpc.experimental.Picker;
export type PickArgs = grpc.experimental.PickArgs;
export type PickResult = grpc.experimental.PickResult;
export type OnCallEnded = NonNullable<PickResult['onCallEnded']>;
export type Resolver = grpc.experimental.Resolver;
export type ResolverListener = grpc.experimental.ResolverListener;
export type GrpcUri = grpc.experimental.GrpcUri;
export type StatusOr<T> = grpc.experimental.StatusOr<T>;
export type LeafLoadBalancer = grpc.experimental.LeafLoadBalancer;
export type ResolverConstructor = Parameters<typeof grpc.experimental.registerResolver>[1];
export type LoadBalancerConstructor = Parameters<typeof grpc.experimental.registerLoadBalancerType>[1];
export type LoadBalancingConfigConstructor = Parameters<typeof grpc.experimental.registerLoadBalancerType>[2];

export const ConnectivityState = grpc.connectivityState;
export type ConnectivityState = grpc.connectivityState;
export const Status = grpc.status;
export const PickResultType = x.PickResultType;
export type Metadata = grpc.Metadata;
export type MetadataOptions = ReturnType<grpc.Metadata['getOptions']>;
export type CallInvocationTransformer = grpc.CallInvocationTransformer;
export type CallProperties = Parameters<grpc.CallInvocationTransformer>[0];

/**
 * Whether a copy of a Metadata shares the original's options object (grpc-js 1.14 copies the
 * metadata at the channel and again at each pick, passing the options along by reference): the
 * SDK's call tag rides on it. Checked once at load; without it calls go untagged (see call-tag.ts).
 */
export const METADATA_OPTIONS_SHARED: boolean = (() => {
  const metadata = new grpc.Metadata();
  const options = {};
  metadata.setOptions(options);
  return metadata.clone().clone().getOptions() === options;
})();

/**
 * Ends a call from the outside with this status, through the surface call grpc-js gave the
 * transformer (its `call` is set once the call is created). A call that already ended ignores it.
 */
export function cancelSurfaceCall(surface: CallProperties['call'], code: number, details: string): void {
  (
    surface as { call?: { cancelWithStatus(code: grpc.status, details: string): void } }
  ).call?.cancelWithStatus(code, details);
}
/** grpc-js's cap on attempts per call (channel option `grpc-node.retry_max_attempts_limit`). */
export const MAX_ATTEMPTS_LIMIT_OPTION = 'grpc-node.retry_max_attempts_limit';
export const DEFAULT_MAX_ATTEMPTS_LIMIT = 5;

/** Upper-case status name of a code ("UNAVAILABLE"), as retryableStatusCodes may name it. */
export function statusName(code: number): string | undefined {
  return grpc.status[code];
}

/**
 * A server's `grpc-retry-pushback-ms` trailer, read as grpc-js reads it: null when absent, a
 * negative value means "do not retry", and an unparsable one makes grpc-js retry at once.
 */
export function retryPushbackMs(trailers: grpc.Metadata | undefined): number | null {
  const value = trailers?.get('grpc-retry-pushback-ms') ?? [];
  if (value.length === 0) return null;
  const ms = Number.parseInt(String(value[0]), 10);
  return Number.isNaN(ms) ? 0 : ms;
}

export function createLeaf(
  endpoint: Endpoint,
  helper: ChannelControlHelper,
  options: ChannelOptions,
  resolutionNote: string,
): LeafLoadBalancer {
  return new x.LeafLoadBalancer(endpoint, helper, options, resolutionNote);
}

/** What one endpoint of a thick policy hears from its leaf (see LeafHelper). */
export interface LeafHooks {
  subchannelCreated(subchannel: SubchannelInterface): void;
  leafStateChanged(state: ConnectivityState, error: string | null): void;
}

/**
 * The helper a thick policy gives each endpoint's leaf: the leaf's subchannels and state go to the
 * endpoint, re-resolution is the parent policy's call (it knows when an endpoint dropped), channelz
 * passes through. Prototype methods, not createChildChannelControlHelper: that binds five functions
 * per endpoint, and with our own overrides cost ~0.5 MB of heap at 1000 endpoints. The interface is
 * checked against the installed grpc-js at compile time; the version check at load keeps it 1.14.
 */
export class LeafHelper implements ChannelControlHelper {
  constructor(
    private readonly parent: ChannelControlHelper,
    private readonly hooks: LeafHooks,
  ) {}

  createSubchannel(address: SubchannelAddress, args: ChannelOptions): SubchannelInterface {
    const subchannel = this.parent.createSubchannel(address, args);
    this.hooks.subchannelCreated(subchannel);
    return subchannel;
  }

  updateState(state: ConnectivityState, _picker: Picker, error: string | null): void {
    this.hooks.leafStateChanged(state, error);
  }

  requestReresolution(): void {}

  addChannelzChild(child: Parameters<ChannelControlHelper['addChannelzChild']>[0]): void {
    this.parent.addChannelzChild(child);
  }

  removeChannelzChild(child: Parameters<ChannelControlHelper['removeChannelzChild']>[0]): void {
    this.parent.removeChannelzChild(child);
  }
}

export function queuePicker(loadBalancer: LoadBalancer): Picker {
  return new x.QueuePicker(loadBalancer);
}

export function unavailablePicker(details: string): Picker {
  return new x.UnavailablePicker({ code: grpc.status.UNAVAILABLE, details });
}

/** Fails the call with this status, and grpc-js does not retry it. */
export function dropPick(code: number, details: string): PickResult {
  return {
    pickResultType: x.PickResultType.DROP,
    status: { code, details, metadata: new grpc.Metadata() },
    subchannel: null,
    onCallStarted: null,
    onCallEnded: null,
  };
}

export function endpointsValue(endpoints: Endpoint[]): StatusOr<Endpoint[]> {
  return x.statusOrFromValue(endpoints);
}

export function unavailableError(details: string): StatusOr<Endpoint[]> {
  return x.statusOrFromError({ code: grpc.status.UNAVAILABLE, details });
}

export function uriToString(uri: GrpcUri): string {
  return x.uriToString(uri);
}

export function registerResolver(scheme: string, resolver: ResolverConstructor): void {
  x.registerResolver(scheme, resolver);
}

export function registerPolicy(
  name: string,
  policy: LoadBalancerConstructor,
  config: LoadBalancingConfigConstructor,
): void {
  x.registerLoadBalancerType(name, policy, config);
}

export function isPolicyRegistered(name: string): boolean {
  return x.isLoadBalancerNameRegistered(name);
}

/** Parses one loadBalancingConfig entry the way the channel will; throws what the channel would swallow. */
export function parseLoadBalancingConfig(entry: Record<string, object>): TypedLoadBalancingConfig {
  return x.parseLoadBalancingConfig(entry);
}

export const TRACER = 'thick_client';

/**
 * Log lines through grpc-js's own logger: warnings at ERROR (grpc-js has no WARN level and hides
 * INFO by default; a DNS outage must be seen once), the rest through the `thick_client` tracer.
 */
export const grpcLogger: Logger = Object.freeze({
  warn: (message: string) => x.log(grpc.logVerbosity.ERROR, `${TRACER}: ${message}`),
  info: (message: string) => x.trace(grpc.logVerbosity.INFO, TRACER, message),
  debug: (message: string) => x.trace(grpc.logVerbosity.DEBUG, TRACER, message),
});

/** The app's grpc-js instance must be ours: the resolver and policy registries are per instance. */
export function isSameGrpcInstance(candidate: unknown): boolean {
  return candidate === grpc || (candidate as { default?: unknown } | null)?.default === grpc;
}
