// Loads the bed's test protos (Echo and grpc.health.v1) through the public grpc-js API.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export const PROTO_DEFAULTS = Object.freeze({
  echoFile: 'echo.proto',
  healthFile: 'health.proto',
  echoServiceName: 'grpc_thick_client.testing.Echo',
});

/** The `protos/` folder: walks up from `startDir` (build/lib/testing, dist/cjs/testing, ...). */
export function findProtosDir(startDir: string = __dirname): string {
  let dir = startDir;
  for (;;) {
    const candidate = join(dir, 'protos');
    if (existsSync(join(candidate, PROTO_DEFAULTS.echoFile))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(`protos/${PROTO_DEFAULTS.echoFile} not found in any parent of ${startDir}`);
    }
    dir = parent;
  }
}

export interface TestingProtos {
  readonly EchoClient: grpc.ServiceClientConstructor;
  readonly HealthClient: grpc.ServiceClientConstructor;
  readonly echoService: grpc.ServiceDefinition;
}

let cached: TestingProtos | undefined;

function lookup(root: grpc.GrpcObject, path: string): grpc.ServiceClientConstructor {
  let node: unknown = root;
  for (const part of path.split('.')) {
    node = (node as Record<string, unknown> | undefined)?.[part];
  }
  if (typeof node !== 'function') throw new Error(`service ${path} missing from the loaded protos`);
  return node as grpc.ServiceClientConstructor;
}

/** Loaded once per process; enums as strings, so health statuses read 'SERVING'. */
export function loadTestingProtos(): TestingProtos {
  if (cached) return cached;
  const dir = findProtosDir();
  const definition = protoLoader.loadSync(
    [join(dir, PROTO_DEFAULTS.echoFile), join(dir, PROTO_DEFAULTS.healthFile)],
    { keepCase: true, enums: String, longs: Number, defaults: true, oneofs: true, includeDirs: [dir] },
  );
  const root = grpc.loadPackageDefinition(definition);
  const EchoClient = lookup(root, PROTO_DEFAULTS.echoServiceName);
  const HealthClient = lookup(root, 'grpc.health.v1.Health');
  cached = { EchoClient, HealthClient, echoService: EchoClient.service };
  return cached;
}
