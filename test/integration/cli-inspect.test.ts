// `grpc-thick-client inspect` run as a child process against a local cluster bed: the table, the
// JSON, the exit statuses, and the failures an operator meets (a bad target, NXDOMAIN, DNS down,
// a NOT_SERVING pod, a hung pod, a dead pod still in DNS).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { InspectReport } from '../../lib/cli/inspect.js';
import { LocalCluster } from '../../lib/testing/cluster.js';
import { runCli, show } from '../helpers/cli.js';

const TTL_SECONDS = 7;
const ECHO = '/grpc_thick_client.testing.Echo/Echo';
/** A hung pod is found by this deadline; short to keep the test fast. */
const SHORT_TIMEOUT_MS = '500';
/** Nothing listens on port 1 of loopback: a DNS server that refuses. */
const CLOSED_DNS = '127.0.0.1:1';

/** The table's row for one endpoint, as its cells. */
function rowOf(stdout: string, address: string): string[] {
  const line = stdout.split('\n').find((l) => l.startsWith(`${address} `));
  assert.ok(line, `no row for ${address} in\n${stdout}`);
  return line.split(/\s{2,}/);
}

describe('grpc-thick-client inspect on the local cluster bed', () => {
  let cluster: LocalCluster;
  let tmp: string;

  before(async () => {
    cluster = await LocalCluster.start({ replicas: 3, ttlSeconds: TTL_SECONDS, srv: false });
    tmp = mkdtempSync(join(tmpdir(), 'inspect-'));
  });
  after(async () => {
    await cluster?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('lists every pod with its TTL, connect time and SERVING; exit 0', async () => {
    const run = await runCli(['inspect', cluster.target()]);
    assert.equal(run.code, 0, show(run));
    assert.match(run.stdout, new RegExp(`dns +${cluster.dnsServer} \\(from the target\\), A and AAAA`));
    assert.match(run.stdout, new RegExp(`name +${cluster.fqdn}\\n`));
    assert.match(run.stdout, /ENDPOINT +TTL +CONNECT +HEALTH +CALLS OK\/FAILED +P50/);
    for (const pod of cluster.readyPods) {
      const [, ttl, connect, health] = rowOf(run.stdout, pod.address);
      assert.equal(ttl, `${TTL_SECONDS}s`);
      assert.match(connect!, /^\d+\.\d+ ms$/);
      assert.equal(health, 'SERVING');
    }
    assert.match(run.stdout, /3 of 3 endpoint\(s\) reachable and serving/);
  });

  it('--json: the report as data', async () => {
    const run = await runCli(['inspect', cluster.target(), '--json', '--call', ECHO, '--calls', '3']);
    assert.equal(run.code, 0, show(run));
    const report = JSON.parse(run.stdout) as InspectReport;
    assert.equal(report.target, cluster.target());
    assert.equal(report.exitCode, 0);
    assert.deepEqual(report.summary, { endpoints: 3, ok: 3, failed: 0 });
    assert.equal(report.dns?.server, cluster.dnsServer);
    assert.equal(report.dns?.serverSource, 'target');
    assert.equal(report.dns?.matched, cluster.fqdn);
    assert.deepEqual(
      report.dns?.queries.map((q) => [q.family, q.result]),
      [
        [4, 'ok'],
        [6, 'ENODATA'],
      ],
    );
    assert.deepEqual(
      report.endpoints.map((e) => e.address),
      cluster.readyPods.map((p) => p.address).sort(),
    );
    for (const e of report.endpoints) {
      assert.equal(e.ttlSeconds, TTL_SECONDS);
      assert.ok(e.connect.ok && e.connect.ms >= 0);
      assert.equal(e.health?.status, 'SERVING');
      assert.deepEqual(
        { ok: e.calls?.ok, failed: e.calls?.failed, codes: e.calls?.codes },
        {
          ok: 3,
          failed: 0,
          codes: { OK: 3 },
        },
      );
      assert.equal(typeof e.calls?.p50Ms, 'number');
      assert.equal(e.ok, true);
    }
  });

  it('applies the resolv.conf search list and says which name matched', async () => {
    const conf = join(tmp, 'resolv.conf');
    writeFileSync(conf, 'search nothere.cluster.local default.svc.cluster.local\noptions ndots:5\n');
    const args = [
      'inspect',
      'dns-poll:///echo:50051',
      '--resolv-conf',
      conf,
      '--dns-server',
      cluster.dnsServer,
    ];
    const run = await runCli([...args, '--address-family', 'ipv4', '--json']);
    assert.equal(run.code, 0, show(run));
    const report = JSON.parse(run.stdout) as InspectReport;
    assert.equal(report.dns?.serverSource, 'flag');
    assert.deepEqual(report.dns?.candidates, [
      'echo.nothere.cluster.local',
      'echo.default.svc.cluster.local',
      'echo',
    ]);
    assert.equal(report.dns?.matched, cluster.fqdn);
    assert.deepEqual(
      report.dns?.queries.map((q) => `${q.name} ${q.result}`),
      ['echo.nothere.cluster.local ENOTFOUND', `${cluster.fqdn} ok`],
    );
    const text = await runCli(args);
    assert.match(
      text.stdout,
      // The names asked, not the whole search list: the second one answered.
      /\(tried echo\.nothere\.cluster\.local, echo\.default\.svc\.cluster\.local\)\n/,
    );
  });

  it('an IP literal target: no DNS, one endpoint', async () => {
    const pod = cluster.readyPods[0]!;
    const run = await runCli(['inspect', `dns-poll:///${pod.address}`]);
    assert.equal(run.code, 0, show(run));
    assert.match(run.stdout, /dns +none: the target is an IP address/);
    assert.deepEqual(rowOf(run.stdout, pod.address).slice(1, 2), ['-']);
  });

  it('a target written name:port, as the usage allows, is dns-poll:///name:port', async () => {
    const pod = cluster.readyPods[0]!;
    const run = await runCli(['inspect', pod.address]);
    assert.equal(run.code, 0, show(run));
    assert.match(run.stdout, new RegExp(`target +${pod.address.replace(/\./g, '\\.')}\n`));
    assert.deepEqual(rowOf(run.stdout, pod.address).slice(1, 2), ['-']);
  });

  it('a NOT_SERVING pod and a hung pod: exit 1, each named with why', async () => {
    const [, sick, hung] = cluster.readyPods;
    await cluster.setHealth(sick!, false);
    cluster.hang(hung!);
    try {
      const run = await runCli([
        'inspect',
        cluster.target(),
        '--timeout-ms',
        SHORT_TIMEOUT_MS,
        '--call',
        ECHO,
      ]);
      assert.equal(run.code, 1, show(run));
      assert.equal(rowOf(run.stdout, sick!.address)[3], 'NOT_SERVING');
      assert.deepEqual(rowOf(run.stdout, hung!.address).slice(2, 5), ['timeout', '-', '-']);
      assert.match(run.stdout, /1 of 3 endpoint\(s\) reachable and serving/);
      assert.match(run.stdout, new RegExp(`${sick!.address}: health check answered NOT_SERVING`));
      assert.match(
        run.stdout,
        new RegExp(`${hung!.address}: cannot connect \\(timeout\\): .*no HTTP/2 handshake`),
      );
    } finally {
      cluster.resume(hung!);
      await cluster.setHealth(sick!, true);
    }
  });

  it('a dead pod still in DNS: connection refused, exit 1', async () => {
    const dead = cluster.readyPods[2]!;
    await cluster.crash(dead);
    const run = await runCli(['inspect', cluster.target(), '--json']);
    assert.equal(run.code, 1, show(run));
    const report = JSON.parse(run.stdout) as InspectReport;
    const row = report.endpoints.find((e) => e.address === dead.address);
    assert.deepEqual(row?.connect, {
      ok: false,
      error: 'refused',
      message: `connect ECONNREFUSED ${dead.address}`,
    });
    assert.equal(row?.ok, false);
    assert.deepEqual(report.summary, { endpoints: 3, ok: 2, failed: 1 });
  });

  it('NXDOMAIN: exit 2, "no endpoints: <name> does not exist"', async () => {
    const name = 'nope.default.svc.cluster.local';
    const run = await runCli(['inspect', `dns-poll://${cluster.dnsServer}/${name}:50051`]);
    assert.equal(run.code, 2, show(run));
    assert.equal(run.stdout, '');
    assert.equal(
      run.stderr,
      `grpc-thick-client inspect: no endpoints: ${name} does not exist (NXDOMAIN from ${cluster.dnsServer})\n`,
    );
    const json = await runCli(['inspect', `dns-poll://${cluster.dnsServer}/${name}:50051`, '--json']);
    assert.equal(json.code, 2);
    const body = JSON.parse(json.stdout) as { error: string; exitCode: number; dns: { queries: unknown[] } };
    assert.match(body.error, /does not exist \(NXDOMAIN/);
    assert.equal(body.exitCode, 2);
    assert.equal(body.dns.queries.length, 2);
  });
});

describe('grpc-thick-client inspect: errors before any pod', () => {
  it('an unreachable DNS server: exit 2, says so', async () => {
    const run = await runCli(['inspect', `dns-poll://${CLOSED_DNS}/echo.default.svc.cluster.local:50051`]);
    assert.equal(run.code, 2, show(run));
    assert.match(
      run.stderr,
      /^grpc-thick-client inspect: DNS server 127\.0\.0\.1:1 is unreachable: connection refused \(ECONNREFUSED\) while looking up echo\.default\.svc\.cluster\.local\n$/,
    );
  });

  it('a malformed target: exit 2 with the ThickTargetError text', async () => {
    const run = await runCli(['inspect', 'dns-poll:///echo..default:50051']);
    assert.equal(run.code, 2, show(run));
    assert.equal(
      run.stderr,
      'grpc-thick-client inspect: invalid target "dns-poll:///echo..default:50051": the DNS name "echo..default" has an empty label (two dots in a row, or a leading dot)\n',
    );
  });

  it('usage errors: exit 2 naming the flag; --help: exit 0', async () => {
    const bad = await runCli(['inspect', 'dns-poll:///echo:50051', '--address-family', 'ipv5']);
    assert.equal(bad.code, 2, show(bad));
    assert.match(bad.stderr, /--address-family/);
    const help = await runCli(['inspect', '--help']);
    assert.equal(help.code, 0, show(help));
    assert.match(help.stdout, /^usage: grpc-thick-client inspect <target>/);
  });
});

describe('grpc-thick-client', () => {
  it('--version prints the package version; an unknown command exits 2 with the usage', async () => {
    const { version } = JSON.parse(
      readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8'),
    ) as {
      version: string;
    };
    const run = await runCli(['--version']);
    assert.equal(run.code, 0, show(run));
    assert.equal(run.stdout, `${version}\n`);
    const unknown = await runCli(['inspekt']);
    assert.equal(unknown.code, 2, show(unknown));
    assert.match(unknown.stderr, /unknown command "inspekt"[\s\S]*usage: grpc-thick-client/);
  });
});
