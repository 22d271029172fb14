// grpc.health.v1.Health for the pod: Check and Watch over the overall service "" and Echo.
import * as grpc from '@grpc/grpc-js';
import { PROTO_DEFAULTS } from '../protos.js';

type Status = 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';
interface HealthRequest {
  service?: string;
}
interface HealthResponse {
  status: Status;
}

export const HEALTH_SERVICES: readonly string[] = Object.freeze(['', PROTO_DEFAULTS.echoServiceName]);

export class HealthState {
  private serving: boolean;
  private readonly watches = new Set<{
    service: string;
    call: grpc.ServerWritableStream<HealthRequest, HealthResponse>;
  }>();
  checks = 0;
  /** Watch streams opened since the pod started (a client should hold one per connection). */
  watchesOpened = 0;

  get openWatches(): number {
    return this.watches.size;
  }

  constructor(serving: boolean) {
    this.serving = serving;
  }

  get isServing(): boolean {
    return this.serving;
  }

  set(serving: boolean): void {
    if (serving === this.serving) return;
    this.serving = serving;
    for (const watch of this.watches) watch.call.write({ status: this.statusOf(watch.service) });
  }

  /** For the shutdown helper (grpc-thick-client/server). */
  setAll(serving: boolean): void {
    this.set(serving);
  }

  /** Ends open Watch streams: they would otherwise keep tryShutdown() waiting forever. */
  endWatches(): void {
    for (const watch of this.watches) watch.call.end();
    this.watches.clear();
  }

  handlers(): grpc.UntypedServiceImplementation {
    return {
      Check: (
        call: grpc.ServerUnaryCall<HealthRequest, HealthResponse>,
        callback: grpc.sendUnaryData<HealthResponse>,
      ) => {
        this.checks++;
        const service = call.request.service ?? '';
        if (!HEALTH_SERVICES.includes(service)) {
          callback({ code: grpc.status.NOT_FOUND, details: `unknown service "${service}"` });
          return;
        }
        callback(null, { status: this.statusOf(service) });
      },
      Watch: (call: grpc.ServerWritableStream<HealthRequest, HealthResponse>) => {
        const service = call.request.service ?? '';
        const watch = { service, call };
        this.watches.add(watch);
        this.watchesOpened++;
        call.on('cancelled', () => this.watches.delete(watch));
        call.on('close', () => this.watches.delete(watch));
        call.write({ status: this.statusOf(service) });
      },
    };
  }

  private statusOf(service: string): Status {
    if (!HEALTH_SERVICES.includes(service)) return 'SERVICE_UNKNOWN';
    return this.serving ? 'SERVING' : 'NOT_SERVING';
  }
}
