// One configuration's client: the bed's Echo client built from the configuration's channel, called
// through the raw grpc-js callback API so the harness adds as little as possible per call.
import type * as grpc from '@grpc/grpc-js';
import { makeEchoClient } from '../../lib/testing/echo-client.js';
import type { Channel } from '../configs.js';

interface EchoStub extends grpc.Client {
  Echo(
    request: { message: string },
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null) => void,
  ): grpc.ClientUnaryCall;
}

/** A small unary request: the figures measure the call path, not serialization. */
const REQUEST = Object.freeze({ message: 'ping' });

export class Caller {
  private readonly stub: EchoStub;

  constructor(
    channel: Channel,
    private readonly deadlineMs: number,
  ) {
    this.stub = makeEchoClient(channel.target, channel.options).client as EchoStub;
  }

  get client(): grpc.Client {
    return this.stub;
  }

  call(done: (error: grpc.ServiceError | null) => void): void {
    this.stub.Echo(REQUEST, { deadline: Date.now() + this.deadlineMs }, done);
  }

  /** Resolves once the channel is READY and a first call was answered, or rejects after `timeoutMs`. */
  ready(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    return new Promise((resolve, reject) => {
      this.stub.waitForReady(deadline, (notReady) => {
        if (notReady) return reject(new Error(`channel not READY: ${notReady.message}`));
        this.stub.Echo(REQUEST, { deadline }, (error) =>
          error ? reject(new Error(`first call failed: ${error.message}`)) : resolve(),
        );
      });
    });
  }

  close(): void {
    this.stub.close();
  }
}
