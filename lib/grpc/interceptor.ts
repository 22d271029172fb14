import { systemClock } from '../common/clock.js';
import { RetryDeadline } from '../retry/deadline.js';
import { MethodRetryPolicies } from '../retry/method-policy.js';
import {
  DEFAULT_MAX_ATTEMPTS_LIMIT,
  InterceptingCall,
  type Interceptor,
  type PickArgs,
  type PickResult,
  PickResultType,
  retryPushbackMs,
  statusName,
} from './adapter.js';

/**
 * What the interceptor tells the picker about a call that grpc-js does not: whether it streams
 * (its duration is no latency sample) and its deadline, for retries.
 */
export interface TaggedCall {
  readonly stream: boolean;
  readonly deadline: RetryDeadline | null;
}

/**
 * Links a call to its picks. The picker removes it from the metadata it is given, which is the
 * copy grpc-js sends, so it never reaches a server.
 */
export const CALL_TAG_KEY = 'grpc-thick-call';

/**
 * Tagged calls by id. Module-wide because the interceptor (per client) and the picker (per
 * channel) share nothing else; an id is dropped when its call ends, so only calls in flight stay.
 */
const tagged = new Map<string, TaggedCall>();
let nextId = 0;

/** For tests: calls tagged and not ended. */
export function taggedCalls(): number {
  return tagged.size;
}

/**
 * The SDK's client interceptor; `thickChannelOptions()` adds it. With a raw service-config string,
 * pass the same string here and the result as the client's `interceptors`. It:
 * - ends a call at once with the error that made grpc-js retry it when the back-off grpc-js is about
 *   to wait is longer than the call's remaining deadline (grpc-js would wait, never send the retry,
 *   and report DEADLINE_EXCEEDED);
 * - tells thick_p2c which calls stream, so a long-lived stream is not taken for a slow endpoint.
 * Unary calls without a deadline (or without a retryPolicy) are not touched.
 */
export function thickInterceptor(
  serviceConfig: string | object,
  maxAttemptsLimit = DEFAULT_MAX_ATTEMPTS_LIMIT,
): Interceptor {
  const policies = MethodRetryPolicies.fromServiceConfig(serviceConfig);
  return (options, nextCall) => {
    const method = options.method_definition;
    const stream = method.requestStream || method.responseStream;
    const deadline = options.deadline === undefined ? Infinity : Number(options.deadline);
    const policy = Number.isFinite(deadline) ? policies.forPath(method.path) : null;
    if (!policy && !stream) return new InterceptingCall(nextCall(options));
    const call: InterceptingCall = new InterceptingCall(nextCall(options), {
      start(metadata, _listener, next) {
        // The deadline is wall-clock; the tracker runs on the monotonic clock.
        const tracker = policy
          ? new RetryDeadline(
              policy,
              maxAttemptsLimit,
              systemClock.now() + (deadline - Date.now()),
              systemClock,
              statusName,
              (code, details) => call.cancelWithStatus(code, details),
            )
          : null;
        nextId += 1;
        const id = nextId.toString(36);
        tagged.set(id, { stream, deadline: tracker });
        // A copy: an application may reuse its Metadata object for other calls.
        const withTag = metadata.clone();
        withTag.set(CALL_TAG_KEY, id);
        next(withTag, {
          onReceiveMetadata(received, nextMetadata) {
            tracker?.headersReceived();
            nextMetadata(received);
          },
          onReceiveStatus(status, nextStatus) {
            tracker?.callEnded();
            tagged.delete(id);
            nextStatus(status);
          },
        });
      },
    });
    return call;
  };
}

/** The picker's side: what the interceptor said of this call (its tag removed from the wire). */
export function takeCallTag(args: PickArgs): TaggedCall | undefined {
  const values = args.metadata.get(CALL_TAG_KEY);
  if (values.length === 0) return undefined;
  args.metadata.remove(CALL_TAG_KEY);
  return tagged.get(String(values[0]));
}

/** Tells the call's deadline tracker when the attempt this pick starts ends. */
export function withRetryDeadline(result: PickResult, tracker: RetryDeadline, seq: number): PickResult {
  if (result.pickResultType !== PickResultType.COMPLETE) return result;
  const inner = result.onCallEnded;
  return {
    ...result,
    onCallEnded: (code, details, trailers) => {
      inner?.(code, details, trailers);
      tracker.attemptEnded(seq, code, details, retryPushbackMs(trailers));
    },
  };
}
