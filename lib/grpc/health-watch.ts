import * as grpc from '@grpc/grpc-js';
import { LRUCache } from 'lru-cache';
import { decodeHealthStatus, encodeHealthRequest, SERVING_STATUS } from '../common/health-proto.js';
import type { Logger } from '../common/logger.js';
import type { HealthStatus } from '../health/gate.js';
import { ConnectivityState, type SubchannelInterface } from './adapter.js';

const WATCH_METHOD = '/grpc.health.v1.Health/Watch';
/** Back-off before re-opening a watch that failed while the connection stayed up (A17): 1 s, doubling to 30 s. */
const RETRY_INITIAL_MS = 1000;
const RETRY_MAX_MS = 30_000;
/** Addresses already warned about, bounded: pod IPs come and go for the life of the process. */
const WARNED_ADDRESSES_MAX = 1000;

const warnedUnimplemented = new LRUCache<string, true>({ max: WARNED_ADDRESSES_MAX });

/**
 * Client-side health checking (gRFC A17) on one endpoint's own connection: while the subchannel is
 * READY, a grpc.health.v1.Health/Watch stream reports SERVING or not. A server without the Health
 * service (UNIMPLEMENTED) counts as serving, with one warning per address.
 */
export class HealthWatcher {
  private call: grpc.ClientReadableStream<Buffer> | null = null;
  private retry: NodeJS.Timeout | null = null;
  private stopped = false;
  private retryMs = RETRY_INITIAL_MS;
  private readonly listener = (_s: SubchannelInterface, _prev: number, state: number) => this.onState(state);

  constructor(
    private readonly subchannel: SubchannelInterface,
    private readonly serviceName: string,
    private readonly onHealth: (health: HealthStatus) => void,
    private readonly logger: Logger,
  ) {
    subchannel.addConnectivityStateListener(this.listener);
    this.onState(subchannel.getConnectivityState());
  }

  stop(): void {
    this.stopped = true;
    this.subchannel.removeConnectivityStateListener(this.listener);
    this.cancel();
  }

  private onState(state: number): void {
    if (this.stopped) return;
    if (state === ConnectivityState.READY) this.open();
    else this.cancel();
  }

  private open(): void {
    if (this.call || this.stopped) return;
    const client = new grpc.Client('health-watch', grpc.credentials.createInsecure(), {
      channelOverride: this.subchannel.getChannel(),
    });
    const call = client.makeServerStreamRequest(
      WATCH_METHOD,
      (service: string) => encodeHealthRequest(service),
      (message: Buffer) => message,
      this.serviceName,
    );
    this.call = call;
    // A17: a new stream means no answer yet; the endpoint waits for its first SERVING.
    this.onHealth('pending');
    call.on('data', (message: Buffer) => {
      this.retryMs = RETRY_INITIAL_MS;
      this.onHealth(decodeHealthStatus(message) === SERVING_STATUS.SERVING ? 'serving' : 'not_serving');
    });
    call.on('status', (status: grpc.StatusObject) => {
      // The server closed the watch cleanly (e.g. shutting down): watch again if still connected.
      if (status.code === grpc.status.OK && this.call === call) {
        this.call = null;
        this.scheduleRetry();
      }
    });
    call.on('error', (error: grpc.ServiceError) => {
      if (this.call !== call) return; // cancelled by us
      this.call = null;
      if (error.code === grpc.status.UNIMPLEMENTED) {
        const address = this.subchannel.getAddress();
        if (!warnedUnimplemented.has(address)) {
          warnedUnimplemented.set(address, true);
          this.logger.warn(
            `${address} does not implement grpc.health.v1.Health: treating it as healthy (gRFC A17)`,
          );
        }
        this.onHealth('serving');
        return;
      }
      // A17: a failing health check means not healthy; retry with back-off while connected.
      this.logger.debug(`health watch of ${this.subchannel.getAddress()} failed: ${error.message}; retrying`);
      this.onHealth('not_serving');
      this.scheduleRetry();
    });
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retry) return;
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
    this.retry = setTimeout(() => {
      this.retry = null;
      this.onState(this.subchannel.getConnectivityState());
    }, delay);
    this.retry.unref();
  }

  private cancel(): void {
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    const call = this.call;
    this.call = null;
    call?.cancel();
  }
}
