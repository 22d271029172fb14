/** grpc-thick-client/server: helpers for grpc-js servers running in Kubernetes pods. */
export {
  type GracefulShutdown,
  type GracefulShutdownOptions,
  gracefulShutdown,
  recommendedServerOptions,
  type ShutdownHealth,
} from './server/graceful.js';
export { HealthService, healthServiceDefinition } from './server/health.js';
