// The grpc-js glue end to end, fast: the dns-poll resolver and thick_round_robin in real channels,
// against the in-process DNS server and in-process Echo servers. The cluster bed scenarios (real
// pod processes, dnsmasq) live in scenarios-*.test.ts.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { register, ThickConfigError, ThickTargetError, thickChannelOptions } from '../../lib/index.js';
import { EchoBed } from '../helpers/echo-bed.js';
import { echoClient } from '../helpers/echo-servers.js';
import { sleep, waitFor } from '../helpers/wait.js';

const bed = new EchoBed();
const PORT = bed.port;
const addr = (n: number) => bed.addr(n);
const ip = (n: number) => bed.ip(n);
const FAST = { pollIntervalMs: 300, minResolutionIntervalMs: 100 };

const logs: string[] = [];
const servers = bed.servers;
const publish = async (name: string, hosts: number[]): Promise<void> => {
  await bed.publish(name, hosts);
};
const target = (name: string) => bed.target(name);

before(async () => {
  register({
    grpc,
    logger: { warn: (m) => logs.push(`warn ${m}`), info: (m) => logs.push(`info ${m}`), debug: () => {} },
  });
  await bed.start([1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

after(() => bed.stop());

describe('thick_round_robin through a real channel', () => {
  it('spreads calls evenly, selected by the helper and by the raw string alike', async () => {
    await publish('even', [1, 2, 3]);
    for (const options of [
      thickChannelOptions({ dns: FAST }),
      { 'grpc.service_config': '{"loadBalancingConfig":[{"thick_round_robin":{}}]}' },
    ]) {
      const client = echoClient(target('even'), options);
      await client.call();
      await sleep(200); // let every endpoint connect
      const counts = await client.count(30);
      client.close();
      assert.deepEqual(
        Object.keys(counts).sort(),
        [addr(1), addr(2), addr(3)].sort(),
        JSON.stringify(counts),
      );
      const values = Object.values(counts);
      assert.ok(Math.max(...values) - Math.min(...values) <= 1, JSON.stringify(counts));
    }
  });

  it('adds a new endpoint without touching the connections of the others', async () => {
    await publish('diff', [4, 5]);
    const client = echoClient(target('diff'), {
      ...thickChannelOptions({ dns: FAST }),
      'grpc.use_local_subchannel_pool': 1,
    });
    await client.call();
    await sleep(200);
    const before4 = servers.connections.get(addr(4));
    const before5 = servers.connections.get(addr(5));
    await publish('diff', [4, 5, 6]);
    assert.ok(
      await waitFor(async () => (await client.count(3))[addr(6)] !== undefined, 3000),
      'new endpoint used',
    );
    await publish('diff', [5, 6]);
    await sleep(600);
    await client.count(10);
    client.close();
    assert.equal(
      servers.connections.get(addr(4)),
      before4,
      'no reconnection to the endpoint that was removed later',
    );
    assert.equal(servers.connections.get(addr(5)), before5, 'no reconnection to the endpoint that stayed');
    assert.equal(servers.connections.get(addr(6)), 1, 'one connection to the new endpoint');
  });

  it('lets a removed endpoint finish its calls in flight, and sends it no new ones', async () => {
    await publish('drain', [7, 8]);
    const client = echoClient(target('drain'), thickChannelOptions({ dns: FAST }));
    await client.count(4);
    servers.behaviour.set(addr(7), { kind: 'slow', ms: 800 });
    const slow = [client.call(5000), client.call(5000)];
    await publish('drain', [8]);
    await sleep(500);
    const callsTo7 = servers.calls.get(addr(7));
    const results = await Promise.allSettled(slow);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'fulfilled'],
      'calls in flight on the removed endpoint finish',
    );
    const after = await client.count(10);
    assert.deepEqual(after, { [addr(8)]: 10 });
    assert.equal(servers.calls.get(addr(7)), callsTo7, 'no new call to the removed endpoint');
    servers.behaviour.delete(addr(7));
    client.close();
  });

  it('fails fast with UNAVAILABLE naming the DNS name at zero endpoints, and recovers', async () => {
    await publish('zero', [9]);
    const client = echoClient(target('zero'), thickChannelOptions({ dns: FAST }));
    await client.call();
    await publish('zero', []);
    assert.ok(
      await waitFor(async () => {
        const started = Date.now();
        try {
          await client.call(3000);
          return false;
        } catch (error) {
          const e = error as grpc.ServiceError;
          return (
            e.code === grpc.status.UNAVAILABLE &&
            /zero\.default\.svc\.cluster\.local has no endpoints/.test(e.details) &&
            e.details.includes(bed.dns.address) &&
            Date.now() - started < 1000
          );
        }
      }, 3000),
      'fast UNAVAILABLE naming the name and the DNS server',
    );
    await publish('zero', [9]);
    assert.ok(await waitFor(async () => (await client.count(1))[addr(9)] === 1, 3000), 'recovers');
    client.close();
  });

  it('asks for re-resolution at once when an endpoint drops, instead of waiting for the next poll', async () => {
    await servers.start(addr(20));
    await publish('drop', [20, 1]);
    const client = echoClient(target('drop'), thickChannelOptions({ dns: { pollIntervalMs: 20000 } }));
    await client.count(4);
    await sleep(1100); // past the 1 s floor since the first query
    bed.dns.clearQueries();
    await servers.stop(addr(20));
    assert.ok(
      await waitFor(() => bed.dns.queries.some((q) => q.name.startsWith('drop.')), 3000),
      'a query right after the drop, long before the 20 s poll',
    );
    client.close();
  });

  it('works as the child of grpc-js outlier_detection', async () => {
    await publish('od', [1, 2, 3]);
    servers.behaviour.set(addr(3), { kind: 'fail', code: grpc.status.INTERNAL });
    const serviceConfig = {
      loadBalancingConfig: [
        {
          outlier_detection: {
            interval: { seconds: 0, nanos: 300_000_000 },
            base_ejection_time: { seconds: 30, nanos: 0 },
            max_ejection_percent: 50,
            failure_percentage_ejection: {
              threshold: 50,
              enforcement_percentage: 100,
              minimum_hosts: 3,
              request_volume: 3,
            },
            // Our own ejection off, so that this shows grpc-js's doing the ejecting.
            child_policy: [
              { thick_round_robin: { ejection: { consecutive_failures: 0, failure_percentage: null } } },
            ],
          },
        },
      ],
    };
    const client = echoClient(target('od'), {
      'grpc.service_config': JSON.stringify(serviceConfig),
      'grpc-thick.poll_interval_ms': 300,
    });
    const first = await client.count(30);
    await sleep(700);
    const later = await client.count(30);
    client.close();
    servers.behaviour.delete(addr(3));
    assert.ok(
      (first['ERR:INTERNAL'] ?? 0) > 0,
      `the failing endpoint was used at first: ${JSON.stringify(first)}`,
    );
    assert.deepEqual(
      Object.keys(later).sort(),
      [addr(1), addr(2)].sort(),
      `then ejected: ${JSON.stringify(later)}`,
    );
  });

  it('applies the resolv.conf search list to a short name, as in a pod', async () => {
    const conf = join(mkdtempSync(join(tmpdir(), 'resolv-')), 'resolv.conf');
    writeFileSync(
      conf,
      'search default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n',
    );
    await publish('short', [2]);
    bed.dns.clearQueries();
    const client = echoClient(
      `dns-poll://${bed.dns.address}/short:${PORT}`,
      thickChannelOptions({ dns: { resolvConfPath: conf } }),
    );
    assert.deepEqual(await client.count(2), { [addr(2)]: 2 });
    client.close();
    assert.equal(bed.dns.queries[0]?.name, 'short.default.svc.cluster.local');
  });

  for (const fault of ['servfail', 'timeout', 'refused'] as const) {
    it(`keeps serving the last good set through DNS ${fault}, with one warning`, async () => {
      const name = `fault-${fault}`;
      await publish(name, [4, 5]);
      const client = echoClient(
        target(name),
        thickChannelOptions({ dns: { ...FAST, dnsTimeoutMs: 100, dnsTries: 1 } }),
      );
      await client.count(4);
      const since = logs.length;
      await bed.dns.setFault(fault);
      try {
        const during = await client.count(20);
        await sleep(1000);
        const later = await client.count(20);
        assert.deepEqual(Object.keys({ ...during, ...later }).sort(), [addr(4), addr(5)].sort());
      } finally {
        await bed.dns.setFault('none');
      }
      const warnings = logs.slice(since).filter((l) => l.startsWith('warn') && l.includes(name));
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.ok(
        await waitFor(
          () => logs.slice(since).some((l) => l.includes(`${name}.default`) && /recovered/.test(l)),
          3000,
        ),
      );
      client.close();
    });
  }

  it('ignores an answer that makes no sense (0.0.0.0), warns, and keeps the last good set', async () => {
    await publish('nonsense', [6]);
    const client = echoClient(target('nonsense'), thickChannelOptions({ dns: FAST }));
    await client.count(2);
    const since = logs.length;
    await bed.dns.publish([{ type: 'A', name: 'nonsense.default.svc.cluster.local', address: '0.0.0.0' }]);
    await sleep(700);
    assert.deepEqual(await client.count(5), { [addr(6)]: 5 });
    assert.ok(
      logs
        .slice(since)
        .some((l) => l.startsWith('warn') && /no usable address: 0\.0\.0\.0 \(unspecified address\)/.test(l)),
    );
    client.close();
  });

  it('treats a server without the Health service as healthy, with one warning (gRFC A17)', async () => {
    await publish('nohealth', [3, 4]);
    const since = logs.length;
    const client = echoClient(target('nohealth'), {
      'grpc.service_config': JSON.stringify({
        loadBalancingConfig: [{ thick_round_robin: { health_check: {} } }],
      }),
    });
    await client.call(3000);
    await sleep(200);
    const counts = await client.count(20);
    client.close();
    assert.deepEqual(Object.keys(counts).sort(), [addr(3), addr(4)].sort(), JSON.stringify(counts));
    const warnings = logs.slice(since).filter((l) => /does not implement grpc.health.v1.Health/.test(l));
    assert.equal(warnings.length, 2, 'one warning per address');
  });

  it('counts a connection attempt that hangs past the connect timeout as failed, so calls fail fast', async () => {
    // A listener that accepts TCP and never speaks HTTP/2: a connect that never completes.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(PORT, ip(11), resolve));
    try {
      await publish('silent', [11]);
      const client = echoClient(
        target('silent'),
        thickChannelOptions({ roundRobin: { connectTimeoutMs: 500 }, dns: FAST }),
      );
      const started = Date.now();
      const error = await client.call(10_000).then(
        () => undefined,
        (e: grpc.ServiceError) => e,
      );
      assert.ok(error, 'the call fails');
      assert.equal(error.code, grpc.status.UNAVAILABLE);
      assert.match(error.details, /timed out after 500 ms/);
      assert.ok(
        Date.now() - started < 3000,
        `fails fast, not at the 10 s deadline (${Date.now() - started} ms)`,
      );
      await publish('silent', [11, 1]);
      await sleep(700);
      assert.deepEqual(await client.count(6), { [addr(1)]: 6 }, 'the good endpoint serves meanwhile');
      assert.equal(sockets.length, 1, 'grpc-js cannot cancel the attempt: it is not duplicated either');
      assert.ok(
        logs.some((l) => l.includes(`connecting to ${addr(11)} has taken over 500 ms: counted as failed`)),
      );
      client.close();
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it('a pod that returns to DNS while draining keeps its health state and takes calls again', async () => {
    await publish('flap', [5, 6]);
    const client = echoClient(target('flap'), {
      'grpc.service_config': JSON.stringify({
        loadBalancingConfig: [{ thick_round_robin: { health_check: {} } }],
      }),
      'grpc-thick.poll_interval_ms': 300,
    });
    await client.call(3000);
    await sleep(200);
    servers.behaviour.set(addr(5), { kind: 'slow', ms: 1500 });
    const slow = client.count(2, 5000); // at least one lands on 5 and keeps it draining
    await sleep(100);
    await publish('flap', [6]);
    await sleep(700);
    await publish('flap', [5, 6]);
    await sleep(700);
    await slow;
    servers.behaviour.delete(addr(5));
    const counts = await client.count(20);
    client.close();
    assert.deepEqual(Object.keys(counts).sort(), [addr(5), addr(6)].sort(), JSON.stringify(counts));
  });

  it('sends every retry of a call to another endpoint, with grpc-js retryPolicy from a raw string', async () => {
    await publish('retry', [7, 8, 9]);
    servers.behaviour.set(addr(7), { kind: 'fail', code: grpc.status.UNAVAILABLE });
    for (const n of [7, 8, 9]) {
      servers.calls.delete(addr(n));
      servers.retries.delete(addr(n));
    }
    const serviceConfig = {
      loadBalancingConfig: [
        { thick_round_robin: { ejection: { consecutive_failures: 0, failure_percentage: null } } },
      ],
      methodConfig: [
        {
          name: [{}],
          retryPolicy: {
            maxAttempts: 3,
            initialBackoff: '0.01s',
            maxBackoff: '0.05s',
            backoffMultiplier: 2,
            retryableStatusCodes: ['UNAVAILABLE'],
          },
        },
      ],
    };
    const client = echoClient(target('retry'), { 'grpc.service_config': JSON.stringify(serviceConfig) });
    await client.call(3000);
    await sleep(200);
    // Concurrent calls move the round-robin cursor between an attempt and its retry, so only the
    // avoidance (not round robin's luck) keeps retries off the failing endpoint.
    const counts: Record<string, number> = {};
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (const [key, n] of Object.entries(await client.count(10))) counts[key] = (counts[key] ?? 0) + n;
      }),
    );
    client.close();
    servers.behaviour.delete(addr(7));
    assert.equal(counts['ERR:UNAVAILABLE'], undefined, `no call failed: ${JSON.stringify(counts)}`);
    const failedAt7 = servers.calls.get(addr(7)) ?? 0;
    assert.ok(failedAt7 >= 15, `the failing endpoint took its share of first attempts (${failedAt7})`);
    assert.equal(servers.retries.get(addr(7)) ?? 0, 0, 'no retry went back to the failing endpoint');
    const retriesElsewhere = (servers.retries.get(addr(8)) ?? 0) + (servers.retries.get(addr(9)) ?? 0);
    assert.equal(retriesElsewhere, failedAt7, 'each failed attempt was retried once, on another endpoint');
  });

  it('keeps retries within the budget when every endpoint fails, failing calls with the servers’ error', async () => {
    await publish('storm', [2, 3]);
    for (const n of [2, 3]) {
      servers.behaviour.set(addr(n), { kind: 'fail', code: grpc.status.UNAVAILABLE });
      servers.calls.delete(addr(n));
    }
    const serviceConfig = {
      loadBalancingConfig: [
        {
          thick_round_robin: {
            ejection: { consecutive_failures: 0, failure_percentage: null },
            retry_budget: { percent: 20, min_retries_per_second: 0, window: '10s' },
          },
        },
      ],
      methodConfig: [
        {
          name: [{}],
          retryPolicy: {
            maxAttempts: 5,
            initialBackoff: '0.001s',
            maxBackoff: '0.002s',
            backoffMultiplier: 2,
            retryableStatusCodes: ['UNAVAILABLE'],
          },
        },
      ],
    };
    const client = echoClient(target('storm'), {
      'grpc.service_config': JSON.stringify(serviceConfig),
      'grpc-thick.poll_interval_ms': 300,
    });
    const errors: string[] = [];
    for (let i = 0; i < 100; i++) {
      await client.call(2000).catch((e: grpc.ServiceError) => errors.push(`${e.code} ${e.details}`));
    }
    client.close();
    for (const n of [2, 3]) servers.behaviour.delete(addr(n));
    const attempts = (servers.calls.get(addr(2)) ?? 0) + (servers.calls.get(addr(3)) ?? 0);
    assert.equal(errors.length, 100);
    assert.ok(
      errors.every((e) => e.startsWith(`${grpc.status.UNAVAILABLE} failing on purpose`)),
      errors[0],
    );
    // Without a budget grpc-js would send 5 attempts per call (500); the budget allows 20 % of 100.
    assert.ok(attempts >= 100 && attempts <= 121, `attempts at the servers: ${attempts}`);
    assert.ok(errors.some((e) => e.includes('retry budget is spent')));
  });

  it('serves an IP literal target without DNS', async () => {
    const client = echoClient(`dns-poll:///${addr(1)}`, thickChannelOptions());
    assert.deepEqual(await client.count(3), { [addr(1)]: 3 });
    client.close();
  });

  it('warns when a dns-poll target is used without a thick policy', () => {
    const client = echoClient(`dns-poll://${bed.dns.address}/nopolicy.default.svc.cluster.local:1`, {});
    client.close();
    assert.ok(logs.some((l) => /nopolicy.*without a thick_\* policy.*pick_first/.test(l)));
  });
});

describe('clear errors from new Client()', () => {
  const cases: [string, grpc.ChannelOptions, RegExp][] = [
    [
      'a bad policy field in a raw string',
      { 'grpc.service_config': '{"loadBalancingConfig":[{"thick_round_robin":{"drain_timeout":30}}]}' },
      /thick_round_robin\.drain_timeout must be a duration/,
    ],
    [
      'an unknown policy field',
      { 'grpc.service_config': '{"loadBalancingConfig":[{"thick_round_robin":{"drain":"1s"}}]}' },
      /unknown field "drain"/,
    ],
    [
      'a mistyped option',
      { 'grpc-thick.poll_intervall_ms': 100 },
      /unknown channel option "grpc-thick.poll_intervall_ms"/,
    ],
    [
      'a wrong option value',
      { 'grpc-thick.poll_interval_ms': '5s' },
      /grpc-thick.poll_interval_ms must be an integer/,
    ],
    [
      'an outlier_detection config grpc-js would drop',
      {
        'grpc.service_config':
          '{"loadBalancingConfig":[{"outlier_detection":{"interval":"1s","child_policy":[{"thick_round_robin":{}}]}}]}',
      },
      /"outlier_detection" entry of loadBalancingConfig is invalid.*fall back to pick_first/,
    ],
  ];
  for (const [what, options, message] of cases) {
    it(`throws ThickConfigError for ${what}`, () => {
      assert.throws(
        () => echoClient('dns-poll:///echo.default.svc.cluster.local:50051', options),
        (e: unknown) => e instanceof ThickConfigError && message.test(e.message),
      );
    });
  }

  it('names the bad field of a thick policy nested in outlier_detection, and says it once', () => {
    const serviceConfig = JSON.stringify({
      loadBalancingConfig: [
        { outlier_detection: { child_policy: [{ thick_round_robin: { drain_timout: '1s' } }] } },
      ],
    });
    assert.throws(
      () =>
        echoClient('dns-poll:///echo.default.svc.cluster.local:1', { 'grpc.service_config': serviceConfig }),
      (e: unknown) =>
        e instanceof ThickConfigError &&
        /"outlier_detection"\.child_policy\[0\] "thick_round_robin" entry .*unknown field "drain_timout"/.test(
          e.message,
        ) &&
        e.message.split('grpc-thick-client:').length === 2,
    );
  });

  it('on a target that is not dns-poll (grpc-js parses the config alone), a bad thick config is logged once', async () => {
    const before = logs.length;
    const options = {
      'grpc.service_config': '{"loadBalancingConfig":[{"thick_p2c":{"failure_penalty":"x"}}]}',
    };
    for (let i = 0; i < 2; i++) {
      const client = echoClient(`ipv4:${addr(1)}`, options);
      // grpc-js reads the policy config once the channel leaves IDLE and has its addresses.
      client.client.getChannel().getConnectivityState(true);
      await new Promise((resolve) => setTimeout(resolve, 100));
      client.close();
    }
    const lines = logs
      .slice(before)
      .filter((l) => /^warn thick_p2c config rejected \(.*failure_penalty/.test(l));
    assert.equal(lines.length, 1, logs.slice(before).join('\n'));
    assert.match(lines[0]!, /falls back to pick_first/);
  });

  it('throws for a policy name that is almost ours, and for loadBalancingPolicy (ignored by grpc-js)', () => {
    const cases: [string, RegExp][] = [
      [
        '{"loadBalancingConfig":[{"thick_roundrobin":{}}]}',
        /unknown load-balancing policy "thick_roundrobin" \(did you mean "thick_round_robin"\?\)/,
      ],
      ['{"loadBalancingConfig":[{"thickRoundRobin":{}}]}', /did you mean "thick_round_robin"/],
      [
        '{"loadBalancingPolicy":"thick_round_robin"}',
        /grpc-js ignores "loadBalancingPolicy".*"loadBalancingConfig": \[\{"thick_round_robin": \{\}\}\]/,
      ],
    ];
    for (const [serviceConfig, message] of cases) {
      assert.throws(
        () =>
          echoClient('dns-poll:///echo.default.svc.cluster.local:1', {
            'grpc.service_config': serviceConfig,
          }),
        (e: unknown) => e instanceof ThickConfigError && message.test(e.message),
        serviceConfig,
      );
    }
  });

  it('throws when a named resolv.conf cannot be read', () => {
    assert.throws(
      () =>
        echoClient(
          'dns-poll:///echo:1',
          thickChannelOptions({ dns: { resolvConfPath: '/nonexistent/resolv.conf' } }),
        ),
      /cannot read the resolv.conf file "\/nonexistent\/resolv.conf"/,
    );
  });

  it('warns once when the target has no port', () => {
    echoClient('dns-poll:///noport.default.svc.cluster.local', thickChannelOptions()).close();
    echoClient('dns-poll:///noport.default.svc.cluster.local', thickChannelOptions()).close();
    assert.equal(logs.filter((l) => /noport.*has no port: using 443/.test(l)).length, 1);
  });

  it('throws ThickTargetError for a malformed target', () => {
    assert.throws(
      () => echoClient('dns-poll://kube-dns/echo:50051', thickChannelOptions()),
      (e: unknown) => e instanceof ThickTargetError && /must be an IPv4 address/.test(e.message),
    );
  });

  it('the helper names the bad field as the caller wrote it', () => {
    assert.throws(
      () => thickChannelOptions({ dns: { pollIntervalMs: 10 } }),
      /dns.pollIntervalMs must be an integer/,
    );
    assert.throws(
      () => thickChannelOptions({ roundRobin: { drainTimeoutMs: -1 } }),
      /roundRobin.drainTimeoutMs/,
    );
    assert.throws(
      () => thickChannelOptions({ dns: { pollEvery: 1 } as never }),
      /unknown field "pollEvery" in dns/,
    );
    assert.throws(
      () => thickChannelOptions({ pollIntervalMs: 1000 } as never),
      /unknown field "pollIntervalMs" in thickChannelOptions\(\)/,
    );
    assert.throws(
      () => thickChannelOptions({ roundRobin: { drainTimeout: 1 } as never }),
      /did you mean "drainTimeoutMs"/,
    );
    assert.throws(
      () => thickChannelOptions({ serviceConfig: { loadBalancingConfig: [] } as never }),
      /serviceConfig.loadBalancingConfig is not allowed/,
    );
    assert.doesNotThrow(() => thickChannelOptions({ dns: { pollIntervalMs: 500, maxStalenessMs: 1000 } }));
    assert.throws(
      () => thickChannelOptions({ keepalive: { timeMs: 0 } }),
      /keepalive.timeMs must be an integer/,
    );
    assert.throws(() => thickChannelOptions({ keepalive: { time: 1 } as never }), /did you mean "timeMs"/);
    assert.throws(
      () => thickChannelOptions(null as never),
      (e: unknown) =>
        e instanceof ThickConfigError && /takes an options object \(or nothing\), got null/.test(e.message),
    );
  });

  it('the helper selects thick_p2c by name or by its settings, and refuses settings for the other policy', () => {
    const policyOf = (o: { 'grpc.service_config': string }) =>
      Object.keys(JSON.parse(o['grpc.service_config']).loadBalancingConfig[0])[0];
    assert.equal(policyOf(thickChannelOptions()), 'thick_round_robin');
    assert.equal(policyOf(thickChannelOptions({ policy: 'thick_p2c' })), 'thick_p2c');
    assert.equal(policyOf(thickChannelOptions({ p2c: { loadMetric: 'least_request' } })), 'thick_p2c');
    const refused: [Parameters<typeof thickChannelOptions>[0], RegExp][] = [
      [{ policy: 'p2c' as never }, /policy must be "thick_round_robin" or "thick_p2c", got "p2c"/],
      [{ roundRobin: {}, p2c: {} }, /either `roundRobin` or `p2c` settings, not both/],
      [{ policy: 'thick_p2c', roundRobin: {} }, /takes its settings as `p2c`, not `roundRobin`/],
      [{ policy: 'thick_round_robin', p2c: {} }, /takes its settings as `roundRobin`, not `p2c`/],
      [{ p2c: { decayMs: 0 } }, /p2c\.decayMs/],
    ];
    for (const [init, message] of refused) {
      assert.throws(
        () => thickChannelOptions(init),
        (e: unknown) => e instanceof ThickConfigError && message.test(e.message),
      );
    }
  });

  it('the helper retries UNAVAILABLE by default, and can be told otherwise', () => {
    const config = (o: grpc.ChannelOptions) => JSON.parse(o['grpc.service_config'] as string);
    assert.deepEqual(config(thickChannelOptions()).methodConfig, [
      {
        name: [{}],
        retryPolicy: {
          maxAttempts: 3,
          initialBackoff: '0.025s',
          maxBackoff: '0.25s',
          backoffMultiplier: 2,
          retryableStatusCodes: ['UNAVAILABLE'],
        },
      },
    ]);
    assert.equal(config(thickChannelOptions({ retry: false })).methodConfig, undefined);
    const mine = { name: [{}], timeout: '1s' };
    assert.deepEqual(config(thickChannelOptions({ serviceConfig: { methodConfig: [mine] } })).methodConfig, [
      mine,
    ]);
    const perService = { name: [{ service: 'echo.Echo' }], timeout: '1s' };
    assert.equal(
      config(thickChannelOptions({ serviceConfig: { methodConfig: [perService] } })).methodConfig.length,
      2,
    );
    assert.equal(
      config(thickChannelOptions({ retry: { maxAttempts: 5 } })).methodConfig[0].retryPolicy.maxAttempts,
      5,
    );
    assert.throws(
      () => thickChannelOptions({ retry: { maxAttempts: 6 } }),
      /retry.maxAttempts must be an integer between 2 and 5/,
    );
  });

  it('the helper sets keepalive safe for every server by default, or as told', () => {
    const defaults = thickChannelOptions();
    assert.equal(defaults['grpc.keepalive_time_ms'], 300_000);
    assert.equal(defaults['grpc.keepalive_timeout_ms'], 20_000);
    assert.equal(defaults['grpc.keepalive_permit_without_calls'], 0);
    const tuned = thickChannelOptions({ keepalive: { timeMs: 10_000, permitWithoutCalls: true } });
    assert.equal(tuned['grpc.keepalive_time_ms'], 10_000);
    assert.equal(tuned['grpc.keepalive_permit_without_calls'], 1);
    assert.equal(thickChannelOptions({ keepalive: false })['grpc.keepalive_time_ms'], undefined);
  });
});

describe('resources', () => {
  const counted = ['TCPSocketWrap', 'UDPWrap', 'Timeout', 'GetAddrInfoReqWrap', 'QueryReqWrap'];
  const snapshot = () =>
    process
      .getActiveResourcesInfo()
      .filter((r) => counted.includes(r))
      .sort()
      .join(',');

  it('leaves no timer or socket behind after the channel closes', async () => {
    await publish('leak', [1, 2]);
    await sleep(100);
    const baseline = snapshot();
    const client = echoClient(target('leak'), thickChannelOptions({ dns: FAST }));
    await client.count(10);
    await sleep(700); // a few polls
    assert.notEqual(snapshot(), baseline, 'the check can see our sockets and timers');
    client.close();
    const clean = await waitFor(() => snapshot() === baseline, 3000);
    assert.ok(clean, `left behind: ${snapshot()} (baseline ${baseline})`);
  });
});

describe('the options an endpoint’s subchannels get', () => {
  it('are the channel’s without the SDK’s own keys and resolver attribute', async () => {
    const { leafOptions } = await import('../../lib/grpc/thick-balancer.js');
    const { TARGET_ATTRIBUTE } = await import('../../lib/grpc/resolver.js');
    const options = {
      'grpc.keepalive_time_ms': 300_000,
      'grpc.service_config': '{}',
      'grpc-thick.poll_interval_ms': 1000,
      [TARGET_ATTRIBUTE]: 'dns-poll:///echo:50051',
    };
    assert.deepEqual(leafOptions(options), {
      'grpc.keepalive_time_ms': 300_000,
      'grpc.service_config': '{}',
    });
  });
});
