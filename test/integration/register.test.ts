import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { assertSupportedGrpcJs } from '../../lib/grpc/adapter.js';
import { REGISTERED, register, SUPPORTED_GRPC_JS, ThickSetupError } from '../../lib/index.js';

describe('register()', () => {
  it('registers the resolver scheme and every policy into the app’s grpc-js, idempotently', () => {
    register();
    register({ grpc });
    for (const name of REGISTERED.policies) assert.ok(grpc.experimental.isLoadBalancerNameRegistered(name));
  });

  it('refuses a second copy of grpc-js, saying how to fix it', () => {
    const otherCopy = { ...grpc };
    assert.throws(
      () => register({ grpc: otherCopy }),
      (e: unknown) =>
        e instanceof ThickSetupError &&
        /Two copies are installed/.test(e.message) &&
        /npm ls @grpc\/grpc-js/.test(e.message),
    );
  });

  it('states the grpc-js versions it supports', () => {
    assert.equal(SUPPORTED_GRPC_JS, '1.14.x');
    assert.match(require('@grpc/grpc-js/package.json').version, /^1\.14\./);
    assert.doesNotThrow(() => assertSupportedGrpcJs('1.14.0', '/x'));
    for (const other of ['1.13.4', '1.15.0', '2.0.0']) {
      assert.throws(
        () => assertSupportedGrpcJs(other, '/app/node_modules/@grpc/grpc-js/package.json'),
        (e: unknown) =>
          e instanceof ThickSetupError &&
          e.message.includes(other) &&
          /Install @grpc\/grpc-js@~1\.14/.test(e.message),
      );
    }
  });
});
