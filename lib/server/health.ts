import * as grpc from '@grpc/grpc-js';
import {
  decodeHealthRequest,
  decodeHealthStatus,
  encodeHealthRequest,
  encodeHealthStatus,
  SERVING_STATUS,
} from '../common/health-proto.js';

const SERVICE = '/grpc.health.v1.Health';

/** Objects, not bare values: grpc-js takes a falsy message ('' or 0, the proto defaults) for none. */
export interface HealthCheckRequest {
  service: string;
}
export interface HealthCheckResponse {
  status: number;
}

const requestSerialize = (r: HealthCheckRequest) => encodeHealthRequest(r.service);
const requestDeserialize = (b: Buffer): HealthCheckRequest => ({ service: decodeHealthRequest(b) });
const responseSerialize = (r: HealthCheckResponse) => encodeHealthStatus(r.status);
const responseDeserialize = (b: Buffer): HealthCheckResponse => ({ status: decodeHealthStatus(b) });

/** grpc.health.v1.Health, without a protobuf runtime. */
export const healthServiceDefinition: grpc.ServiceDefinition = Object.freeze({
  Check: {
    path: `${SERVICE}/Check`,
    requestStream: false,
    responseStream: false,
    requestSerialize,
    requestDeserialize,
    responseSerialize,
    responseDeserialize,
    originalName: 'check',
  },
  Watch: {
    path: `${SERVICE}/Watch`,
    requestStream: false,
    responseStream: true,
    requestSerialize,
    requestDeserialize,
    responseSerialize,
    responseDeserialize,
    originalName: 'watch',
  },
});

/**
 * The server side of grpc.health.v1: Check and Watch over a set of service names ("" is the whole
 * server). Kubernetes' gRPC readiness probe calls Check; grpc-thick-client's health checking
 * watches.
 */
export class HealthService {
  private readonly statuses = new Map<string, number>();
  /** Check calls answered, and Watch streams opened, since the service started. */
  checks = 0;
  watchesOpened = 0;
  private readonly watches = new Set<{
    service: string;
    call: grpc.ServerWritableStream<HealthCheckRequest, HealthCheckResponse>;
  }>();

  constructor(services: readonly string[] = [''], serving = true) {
    for (const service of services)
      this.statuses.set(service, serving ? SERVING_STATUS.SERVING : SERVING_STATUS.NOT_SERVING);
  }

  /** Whether `service` ("" by default) is SERVING. */
  isServing(service = ''): boolean {
    return this.statuses.get(service) === SERVING_STATUS.SERVING;
  }

  /** Watch streams open now (a client holds one per connection). */
  get openWatches(): number {
    return this.watches.size;
  }

  /** Sets one service's status (adding it if new), telling every watcher. */
  set(service: string, serving: boolean): void {
    const status = serving ? SERVING_STATUS.SERVING : SERVING_STATUS.NOT_SERVING;
    if (this.statuses.get(service) === status) return;
    this.statuses.set(service, status);
    for (const watch of this.watches) if (watch.service === service) watch.call.write({ status });
  }

  /** Sets every service's status: NOT_SERVING when the server starts to shut down. */
  setAll(serving: boolean): void {
    for (const service of [...this.statuses.keys()]) this.set(service, serving);
  }

  /** Ends the Watch streams, which would otherwise hold a graceful shutdown open for ever. */
  endWatches(): void {
    for (const watch of this.watches) watch.call.end();
    this.watches.clear();
  }

  addTo(server: grpc.Server): void {
    server.addService(healthServiceDefinition, {
      Check: (
        call: grpc.ServerUnaryCall<HealthCheckRequest, HealthCheckResponse>,
        callback: grpc.sendUnaryData<HealthCheckResponse>,
      ) => {
        this.checks++;
        const { service } = call.request;
        const status = this.statuses.get(service);
        if (status === undefined)
          callback({ code: grpc.status.NOT_FOUND, details: `unknown service "${service}"` });
        else callback(null, { status });
      },
      Watch: (call: grpc.ServerWritableStream<HealthCheckRequest, HealthCheckResponse>) => {
        const watch = { service: call.request.service, call };
        this.watches.add(watch);
        this.watchesOpened++;
        const forget = () => this.watches.delete(watch);
        call.on('cancelled', forget);
        call.on('close', forget);
        call.write({ status: this.statuses.get(watch.service) ?? SERVING_STATUS.SERVICE_UNKNOWN });
      },
    });
  }
}
