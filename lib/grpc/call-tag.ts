import { systemClock } from '../common/clock.js';
import { RetryDeadline } from '../retry/deadline.js';
import { MethodRetryPolicies } from '../retry/method-policy.js';
import {
  type CallInvocationTransformer,
  cancelSurfaceCall,
  DEFAULT_MAX_ATTEMPTS_LIMIT,
  type Metadata,
  type MetadataOptions,
  type PickArgs,
  statusName,
} from './adapter.js';

/**
 * What the SDK's call transformer tells the picker about a call that grpc-js does not: whether it
 * streams (its duration is no latency sample) and its deadline, for retries.
 */
export interface TaggedCall {
  readonly stream: boolean;
  readonly deadline: RetryDeadline | null;
}

/**
 * The tag rides on the metadata's options object, which grpc-js hands by reference to every copy
 * of the metadata down to the pick (the adapter checks this at load). Nothing reaches the wire,
 * nothing needs removing, and the tag is collected with its call.
 */
const CALL_TAG: unique symbol = Symbol('grpc-thick-client.call');
type TaggedOptions = MetadataOptions & { [CALL_TAG]?: TaggedCall };

/** A copy of `metadata` carrying `tag` (the application may reuse its Metadata for other calls). */
export function tagMetadata(metadata: Metadata, tag: TaggedCall): Metadata {
  const copy = metadata.clone();
  const options: TaggedOptions = { ...copy.getOptions(), [CALL_TAG]: tag };
  copy.setOptions(options);
  return copy;
}

/** The picker's side: what the transformer said of this call, if anything. */
export function callTag(args: PickArgs): TaggedCall | undefined {
  return (args.metadata.getOptions() as TaggedOptions)[CALL_TAG];
}

/**
 * The SDK's per-call hook; `thickChannelOptions()` adds it as the client's
 * `callInvocationTransformer`. With a raw service-config string, pass the same string here. It:
 * - ends a call at once with the error that made grpc-js retry it when the back-off grpc-js is about
 *   to wait is longer than the call's remaining deadline (grpc-js would wait, never send the retry,
 *   and report DEADLINE_EXCEEDED);
 * - tells thick_p2c which calls stream, so a long-lived stream is not taken for a slow endpoint.
 * Unary calls without a deadline (or without a retryPolicy) are not touched. A transformer, not an
 * interceptor: an interceptor adds a layer that every message, header and status of every call
 * passes through, which cost ~5 % of the client's CPU per small call.
 */
export function thickCallTransformer(
  serviceConfig: string | object,
  maxAttemptsLimit = DEFAULT_MAX_ATTEMPTS_LIMIT,
): CallInvocationTransformer {
  const policies = MethodRetryPolicies.fromServiceConfig(serviceConfig);
  return (properties) => {
    const method = properties.methodDefinition;
    const stream = method.requestStream || method.responseStream;
    const option = properties.callOptions.deadline;
    const deadline = option === undefined ? Number.POSITIVE_INFINITY : Number(option);
    const policy = Number.isFinite(deadline) ? policies.forPath(method.path) : null;
    if (!policy && !stream) return properties;
    const surface = properties.call;
    const tracker = policy
      ? new RetryDeadline(
          policy,
          maxAttemptsLimit,
          // The deadline is wall-clock; the tracker runs on the monotonic clock.
          systemClock.now() + (deadline - Date.now()),
          systemClock,
          statusName,
          // A tick later: had the attempt been committed (its headers arrived), grpc-js is already
          // delivering its status, and the cancel then finds the call ended instead of replacing
          // that status and its trailers.
          (code, details) => process.nextTick(() => cancelSurfaceCall(surface, code, details)),
        )
      : null;
    properties.metadata = tagMetadata(properties.metadata, { stream, deadline: tracker });
    return properties;
  };
}
