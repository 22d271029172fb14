// The product is the packed tarball: install it beside an app's own grpc-js, as a user does, and
// check that `register` works from CommonJS and ESM, with the helper and with the raw string,
// and that the type declarations resolve.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

const root = join(__dirname, '..', '..', '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let app: string;

const SERVER_AND_CALL = `
const server = new grpc.Server();
const { Echo } = grpc.loadPackageDefinition(loader.loadSync(proto)).grpc_thick_client.testing;
server.addService(Echo.service, { Echo: (call, cb) => cb(null, { pod: 'p1', message: call.request.message }) });
const port = await new Promise((res, rej) =>
  server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
const results = [];
for (const options of [thick.thickChannelOptions(), RAW]) {
  const client = new Echo('dns-poll:///127.0.0.1:' + port, grpc.credentials.createInsecure(), options);
  const res = await new Promise((res, rej) =>
    client.Echo({ message: 'x' }, { deadline: Date.now() + 5000 }, (e, r) => (e ? rej(e) : res(r))));
  results.push(res.pod);
  client.close();
}
server.forceShutdown();
console.log(JSON.stringify({ results, registered: grpc.experimental.isLoadBalancerNameRegistered('thick_round_robin') }));
`;
const RAW = `const RAW = { 'grpc.service_config': '{"loadBalancingConfig":[{"thick_round_robin":{}}]}' };`;

before(() => {
  app = mkdtempSync(join(tmpdir(), 'thick-app-'));
  execFileSync(npm, ['pack', '--pack-destination', app, '--silent'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const tarball = readdirSync(app).find((f) => f.endsWith('.tgz'))!;
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true }));
  const grpcVersion = require(join(root, 'node_modules/@grpc/grpc-js/package.json')).version as string;
  execFileSync(
    npm,
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--silent',
      `./${tarball}`,
      `@grpc/grpc-js@${grpcVersion}`,
    ],
    { cwd: app, stdio: ['ignore', 'pipe', 'inherit'] },
  );
});

after(() => {
  if (app) rmSync(app, { recursive: true, force: true });
});

/** Type-checks a file of the app as a user's tsc would, with the given module settings. */
function typecheck(file: string, module: string, resolution: string): void {
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  const args = [
    '--noEmit',
    '--strict',
    '--module',
    module,
    '--moduleResolution',
    resolution,
    '--skipLibCheck',
    file,
  ];
  execFileSync(process.execPath, [tsc, ...args], { cwd: app, stdio: 'pipe' });
}

function run(file: string, source: string): { results: string[]; registered: boolean } {
  writeFileSync(join(app, file), source);
  const out = execFileSync(process.execPath, [file], { cwd: app, encoding: 'utf8', timeout: 30_000 });
  return JSON.parse(out.trim().split('\n').pop()!);
}

describe('the packed tarball, installed beside the app’s grpc-js', () => {
  it('works from CommonJS', () => {
    const out = run(
      'cjs.cjs',
      `require('grpc-thick-client/register');
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');
const thick = require('grpc-thick-client');
const proto = require.resolve('grpc-thick-client/package.json').replace('package.json', 'protos/echo.proto');
${RAW}
(async () => {${SERVER_AND_CALL}})();`,
    );
    assert.deepEqual(out, { results: ['p1', 'p1'], registered: true });
  });

  it('works from ESM', () => {
    const out = run(
      'esm.mjs',
      `import 'grpc-thick-client/register';
import * as grpc from '@grpc/grpc-js';
import loader from '@grpc/proto-loader';
import * as thick from 'grpc-thick-client';
import { createRequire } from 'node:module';
const proto = createRequire(import.meta.url).resolve('grpc-thick-client/package.json').replace('package.json', 'protos/echo.proto');
${RAW}
${SERVER_AND_CALL}`,
    );
    assert.deepEqual(out, { results: ['p1', 'p1'], registered: true });
  });

  it('resolves its types under the older node10 resolution too (tsconfig "module": "commonjs")', () => {
    writeFileSync(
      join(app, 'types-cjs.ts'),
      `import { thickChannelOptions } from 'grpc-thick-client';
import { LocalCluster } from 'grpc-thick-client/testing';
import { HealthService } from 'grpc-thick-client/server';
import 'grpc-thick-client/register';
void thickChannelOptions; void LocalCluster; void HealthService;
`,
    );
    typecheck('types-cjs.ts', 'commonjs', 'node10');
  });

  it('ships type declarations for every export', () => {
    writeFileSync(
      join(app, 'types.mts'),
      `import { thickChannelOptions, register, type ThickChannelOptions } from 'grpc-thick-client';
import { LocalCluster } from 'grpc-thick-client/testing';
import { gracefulShutdown } from 'grpc-thick-client/server';
import 'grpc-thick-client/register';
void gracefulShutdown;
const o: ThickChannelOptions = thickChannelOptions({ dns: { pollIntervalMs: 1000 } });
register();
void o; void LocalCluster;
`,
    );
    typecheck('types.mts', 'node16', 'node16');
  });
});
