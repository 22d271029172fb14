import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as protobuf from 'protobufjs';
import {
  decodeHealthRequest,
  decodeHealthStatus,
  encodeHealthRequest,
  encodeHealthStatus,
} from '../../lib/common/health-proto.js';

const root = protobuf.loadSync(join(__dirname, '..', '..', '..', 'protos', 'health.proto'));
const Request = root.lookupType('grpc.health.v1.HealthCheckRequest');
const Response = root.lookupType('grpc.health.v1.HealthCheckResponse');

describe('grpc.health.v1 wire format (checked against protobufjs and protos/health.proto)', () => {
  for (const service of ['', 'echo.Echo', 'x'.repeat(200)]) {
    it(`encodes a request for ${JSON.stringify(service.slice(0, 12))}`, () => {
      assert.deepEqual(
        Request.toObject(Request.decode(encodeHealthRequest(service))),
        service ? { service } : {},
      );
    });
  }
  for (const status of [0, 1, 2, 3]) {
    it(`decodes and encodes status ${status}`, () => {
      assert.equal(decodeHealthStatus(Buffer.from(Response.encode({ status }).finish())), status);
      assert.equal(
        Response.toObject(Response.decode(encodeHealthStatus(status)), { defaults: true }).status,
        status,
      );
    });
  }
  for (const service of ['', 'echo.Echo', 'é'.repeat(100)]) {
    it(`decodes a request for ${JSON.stringify(service.slice(0, 12))}`, () => {
      assert.equal(decodeHealthRequest(Buffer.from(Request.encode({ service }).finish())), service);
    });
  }
});
