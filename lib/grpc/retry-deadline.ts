import { systemClock } from '../common/clock.js';
import { RetryDeadline, trackCall, trackerFor, untrackCall } from '../retry/deadline.js';
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
 * Links a call's interceptor to its picks. The picker removes it from the metadata it is given,
 * which is the copy grpc-js sends, so it never reaches a server.
 */
export const CALL_ID_KEY = 'grpc-thick-call-id';

/**
 * A client interceptor that ends a call with the error that made grpc-js retry it when the
 * back-off grpc-js is about to wait is longer than the call's remaining deadline (grpc-js would
 * wait, never send the retry, and report DEADLINE_EXCEEDED). `thickChannelOptions()` adds it; with
 * a raw service-config string, pass the same string here and the result as `interceptors`.
 * Calls without a deadline or without a retryPolicy cost nothing.
 */
export function retryDeadlineInterceptor(
  serviceConfig: string | object,
  maxAttemptsLimit = DEFAULT_MAX_ATTEMPTS_LIMIT,
): Interceptor {
  const policies = MethodRetryPolicies.fromServiceConfig(serviceConfig);
  return (options, nextCall) => {
    const deadline = options.deadline === undefined ? Infinity : Number(options.deadline);
    const policy = Number.isFinite(deadline) ? policies.forPath(options.method_definition.path) : null;
    if (!policy) return new InterceptingCall(nextCall(options));
    const call: InterceptingCall = new InterceptingCall(nextCall(options), {
      start(metadata, _listener, next) {
        // The deadline is wall-clock; the tracker runs on the monotonic clock.
        const deadlineOnClock = systemClock.now() + (deadline - Date.now());
        const tracker = new RetryDeadline(
          policy,
          maxAttemptsLimit,
          deadlineOnClock,
          systemClock,
          statusName,
          (code, details) => call.cancelWithStatus(code, details),
        );
        const id = trackCall(tracker);
        // A copy: an application may reuse its Metadata object for other calls.
        const tagged = metadata.clone();
        tagged.set(CALL_ID_KEY, id);
        next(tagged, {
          onReceiveMetadata(received, nextMetadata) {
            tracker.headersReceived();
            nextMetadata(received);
          },
          onReceiveStatus(status, nextStatus) {
            untrackCall(id);
            nextStatus(status);
          },
        });
      },
    });
    return call;
  };
}

/** The picker's side: the call's tracker (its id removed from what goes on the wire). */
export function takeRetryDeadline(args: PickArgs): RetryDeadline | undefined {
  const values = args.metadata.get(CALL_ID_KEY);
  if (values.length === 0) return undefined;
  args.metadata.remove(CALL_ID_KEY);
  return trackerFor(String(values[0]));
}

/** Tells the tracker when the attempt this pick starts ends. */
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
