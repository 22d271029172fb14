// A grpc-js client for the bed's Echo service (protos/echo.proto), for tests and demos.
import * as grpc from '@grpc/grpc-js';
import { loadTestingProtos } from './protos.js';

export interface EchoReply {
  readonly pod: string;
  readonly address: string;
  readonly message: string;
}

/**
 * What Echo calls reject with: the grpc ServiceError, marked `responseStarted` when the server had
 * already sent its response headers. Such a call is committed: gRPC's retry rules (gRFC A6) forbid
 * retrying it, so no client can hide its failure (a pod killed between its headers and its status).
 */
export type EchoCallError = grpc.ServiceError & { readonly responseStarted?: true };

export interface EchoCallOptions {
  readonly message?: string;
  readonly signal?: AbortSignal;
  readonly metadata?: grpc.Metadata;
  /** Passed to the call as-is (e.g. waitForReady). */
  readonly callOptions?: Omit<grpc.CallOptions, 'deadline'>;
}

export interface EchoClient {
  readonly client: grpc.Client;
  /** One Echo call with a deadline `deadlineMs` from now; rejects with an EchoCallError. */
  call(deadlineMs: number, options?: EchoCallOptions): Promise<EchoReply>;
  /** A server stream of `count` answers, one every `intervalMs`; resolves when it ends. */
  stream(
    count: number,
    intervalMs: number,
    deadlineMs: number,
  ): Promise<{ readonly pod: string; readonly messages: number }>;
  close(): void;
}

interface EchoStub extends grpc.Client {
  Echo(
    request: { message: string },
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, response?: EchoReply) => void,
  ): grpc.ClientUnaryCall;
  EchoStream(
    request: { count: number; interval_ms: number },
    options: grpc.CallOptions,
  ): grpc.ClientReadableStream<EchoReply>;
}

/** `target` is any grpc-js target: "ipv4:///127.1.2.3:50051", a cluster's target('dns-poll'), ... */
export function makeEchoClient(
  target: string,
  channelOptions: grpc.ChannelOptions = {},
  credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
): EchoClient {
  const { EchoClient: Ctor } = loadTestingProtos();
  const client = new Ctor(target, credentials, channelOptions) as unknown as EchoStub;
  return {
    client,
    call(deadlineMs, options = {}) {
      return new Promise<EchoReply>((resolve, reject) => {
        let call: grpc.ClientUnaryCall | undefined;
        let responseStarted = false;
        const cancel = (): void => call?.cancel();
        call = client.Echo(
          { message: options.message ?? '' },
          options.metadata ?? new grpc.Metadata(),
          { ...options.callOptions, deadline: Date.now() + deadlineMs },
          (error, response) => {
            options.signal?.removeEventListener('abort', cancel);
            if (error) reject(responseStarted ? Object.assign(error, { responseStarted: true }) : error);
            else if (!response) reject(new Error('Echo returned no response'));
            else resolve({ pod: response.pod, address: response.address, message: response.message });
          },
        );
        call.on('metadata', () => {
          responseStarted = true;
        });
        if (options.signal?.aborted) cancel();
        else options.signal?.addEventListener('abort', cancel, { once: true });
      });
    },
    stream(count, intervalMs, deadlineMs) {
      return new Promise((resolve, reject) => {
        const call = client.EchoStream(
          { count, interval_ms: intervalMs },
          { deadline: Date.now() + deadlineMs },
        );
        let pod = '';
        let messages = 0;
        call.on('data', (reply: EchoReply) => {
          pod = reply.pod;
          messages++;
        });
        call.on('error', reject);
        call.on('end', () => resolve({ pod, messages }));
      });
    },
    close() {
      client.close();
    },
  };
}
