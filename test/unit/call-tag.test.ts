// The call tag rides on the metadata's options object: grpc-js must hand it along by reference to
// every copy it makes on the way to the pick, and the tag must never touch the application's own
// Metadata or the wire.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { METADATA_OPTIONS_SHARED, type PickArgs } from '../../lib/grpc/adapter.js';
import { callTag, tagMetadata, thickCallTransformer } from '../../lib/grpc/call-tag.js';
import { thickChannelOptions } from '../../lib/index.js';

/** The helper's service config: thick_round_robin and its default retryPolicy for every method. */
const SERVICE_CONFIG = thickChannelOptions()['grpc.service_config'];

function pickArgs(metadata: grpc.Metadata): PickArgs {
  return { metadata, extraPickInfo: {} };
}

function properties(deadline: grpc.Deadline | undefined, stream = false) {
  return {
    argument: {},
    metadata: new grpc.Metadata(),
    call: {} as never,
    channel: {} as never,
    methodDefinition: {
      path: '/grpc_thick_client.testing.Echo/Echo',
      requestStream: false,
      responseStream: stream,
      requestSerialize: (v: unknown) => v as Buffer,
      responseDeserialize: (b: Buffer) => b,
    },
    callOptions: deadline === undefined ? {} : { deadline },
  };
}

describe('call tag', () => {
  it('grpc-js 1.14 passes metadata options along with every copy (checked at load)', () => {
    assert.equal(METADATA_OPTIONS_SHARED, true);
  });

  it('survives the copies grpc-js makes, keeps the application’s options, and leaves its Metadata alone', () => {
    const mine = new grpc.Metadata({ waitForReady: true });
    mine.set('x-app', '1');
    const tagged = tagMetadata(mine, { stream: true, deadline: null });
    assert.equal(callTag(pickArgs(mine)), undefined, 'the original is not tagged');
    const atPick = tagged.clone().clone();
    assert.deepEqual(callTag(pickArgs(atPick)), { stream: true, deadline: null });
    assert.equal(atPick.getOptions().waitForReady, true);
    assert.deepEqual(atPick.getMap(), { 'x-app': '1' }, 'nothing of the tag is a metadata entry');
  });

  it('tags calls with a deadline and a retryPolicy, and streams; leaves other unary calls untouched', () => {
    const transform = thickCallTransformer(SERVICE_CONFIG);
    const withDeadline = transform(properties(Date.now() + 1000));
    const tag = callTag(pickArgs(withDeadline.metadata));
    assert.ok(tag?.deadline, 'a deadline tracker');
    assert.equal(tag.stream, false);
    const noDeadline = properties(undefined);
    const untouched = noDeadline.metadata;
    assert.equal(transform(noDeadline).metadata, untouched);
    assert.equal(callTag(pickArgs(untouched)), undefined);
    const stream = transform(properties(undefined, true));
    assert.deepEqual(callTag(pickArgs(stream.metadata)), { stream: true, deadline: null });
    const noPolicy = thickCallTransformer('{"loadBalancingConfig":[{"thick_round_robin":{}}]}');
    const unary = properties(new Date(Date.now() + 1000));
    assert.equal(noPolicy(unary).metadata, unary.metadata, 'no retryPolicy: nothing to track');
  });
});
