/** grpc-thick-client: thick-client load balancing for @grpc/grpc-js. */
export type { Logger } from './common/logger.js';
export {
  type AddressFamily,
  type LoadMetric,
  OPTION_PREFIX,
  P2C_DEFAULTS,
  RESOLVER_DEFAULTS,
  ROUND_ROBIN_DEFAULTS,
} from './config/defaults.js';
export { ThickConfigError, ThickTargetError } from './config/errors.js';
export { THICK_P2C, THICK_POLICIES, THICK_ROUND_ROBIN, type ThickPolicyName } from './config/policy.js';
export { RESOLVER_OPTION_NAMES } from './discovery/options.js';
export { type DnsPollTarget, type HostAndPort, parseTargetString, SCHEME } from './discovery/target.js';
export { SUPPORTED_GRPC_JS, ThickSetupError } from './grpc/adapter.js';
export { thickCallTransformer } from './grpc/call-tag.js';
export {
  type DnsPollOptions,
  type ExtraServiceConfig,
  type KeepaliveOptions,
  type RetryOptions,
  type ThickChannelOptions,
  type ThickChannelOptionsInit,
  type ThickP2cOptions,
  type ThickRoundRobinOptions,
  thickChannelOptions,
} from './grpc/channel-options.js';
export { setLogger } from './grpc/log.js';
export { REGISTERED, type RegisterOptions, register } from './grpc/register.js';
export { type ThickEventMap, type ThickEventName, ThickEvents, thickEvents } from './metrics/events.js';
export {
  METRIC_PREFIX,
  type MetricsRegistry,
  registerThickMetrics,
  type ThickMetric,
  type ThickMetricsOptions,
} from './metrics/prometheus.js';
