import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { candidateNames, parseResolvConf, readResolvConf } from '../../lib/discovery/resolv-conf.js';
import { planLookup } from '../../lib/discovery/servers.js';
import { parseTargetString } from '../../lib/discovery/target.js';

const POD_RESOLV_CONF = `# written by the kubelet
search default.svc.cluster.local svc.cluster.local cluster.local
nameserver 10.96.0.10
options ndots:5
`;

describe('resolv.conf and the search list', () => {
  it('parses a pod resolv.conf', () => {
    const conf = parseResolvConf(POD_RESOLV_CONF);
    assert.deepEqual(conf.search, ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local']);
    assert.deepEqual(conf.nameservers, ['10.96.0.10']);
    assert.equal(conf.ndots, 5);
  });

  it('lets the last search or domain line win, caps ndots at 15, ignores comments', () => {
    const conf = parseResolvConf('search a.example\ndomain b.example ; old\noptions rotate ndots:30\n');
    assert.deepEqual(conf.search, ['b.example']);
    assert.equal(conf.ndots, 15);
  });

  it('defaults to ndots 1 and no search list', () => {
    const conf = parseResolvConf('nameserver 1.1.1.1\n');
    assert.deepEqual(conf.search, []);
    assert.equal(conf.ndots, 1);
  });

  it('treats a missing file as empty', () => {
    assert.deepEqual(readResolvConf('/nonexistent/resolv.conf').search, []);
  });

  it('reads a file', () => {
    const path = join(tmpdir(), `resolv-${process.pid}.conf`);
    writeFileSync(path, POD_RESOLV_CONF);
    assert.equal(readResolvConf(path).ndots, 5);
  });

  const pod = parseResolvConf(POD_RESOLV_CONF);

  it('expands a short name the way a pod does (echo → echo.default.svc.cluster.local first)', () => {
    assert.deepEqual(candidateNames('echo', false, pod), [
      'echo.default.svc.cluster.local',
      'echo.svc.cluster.local',
      'echo.cluster.local',
      'echo',
    ]);
  });

  it('tries a name in another namespace through the search list before as written', () => {
    assert.equal(candidateNames('echo.other', false, pod)[1], 'echo.other.svc.cluster.local');
  });

  it('tries a name with at least ndots dots as written first', () => {
    const names = candidateNames('a.b.c.d.e.f', false, pod);
    assert.equal(names[0], 'a.b.c.d.e.f');
    assert.equal(names.length, 4);
  });

  it('does not expand a fully qualified name', () => {
    assert.deepEqual(candidateNames('echo.default.svc.cluster.local', true, pod), [
      'echo.default.svc.cluster.local',
    ]);
  });

  it('without a search list tries the name alone', () => {
    assert.deepEqual(candidateNames('echo', false, { search: [], ndots: 1 }), ['echo']);
  });
});

describe('which DNS servers a lookup asks (resolver and inspect alike)', () => {
  const conf = join(tmpdir(), `thick-plan-${process.pid}.conf`);
  writeFileSync(
    conf,
    'nameserver 10.96.0.10\nsearch default.svc.cluster.local svc.cluster.local\noptions ndots:5\n',
  );

  it('the target’s server first, then another resolv.conf’s nameservers, else the system’s', () => {
    const withServer = planLookup(parseTargetString('dns-poll://127.0.0.1:5353/echo:50051'), conf);
    assert.deepEqual([withServer.servers, withServer.source], [['127.0.0.1:5353'], 'target']);
    const fromConf = planLookup(parseTargetString('dns-poll:///echo:50051'), conf);
    assert.deepEqual([fromConf.servers, fromConf.source], [['10.96.0.10'], 'resolv.conf']);
    assert.equal(fromConf.candidates[0], 'echo.default.svc.cluster.local', 'the search list applies');
    const empty = join(tmpdir(), `thick-plan-empty-${process.pid}.conf`);
    writeFileSync(empty, 'search default.svc.cluster.local\n');
    const system = planLookup(parseTargetString('dns-poll:///echo:50051'), empty);
    assert.deepEqual([system.servers, system.source], [[], 'system']);
  });
});
