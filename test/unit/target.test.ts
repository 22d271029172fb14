import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ThickTargetError } from '../../lib/config/errors.js';
import { parseTarget, parseTargetString } from '../../lib/discovery/target.js';

describe('dns-poll target parsing', () => {
  it('reads name and port with the system DNS', () => {
    const t = parseTargetString('dns-poll:///echo.default.svc.cluster.local:50051');
    assert.equal(t.name, 'echo.default.svc.cluster.local');
    assert.equal(t.port, 50051);
    assert.equal(t.absolute, false);
    assert.equal(t.dnsServer, undefined);
    assert.equal(t.literal, undefined);
  });

  it('defaults the port to 443 as grpc does, and says so', () => {
    assert.equal(parseTargetString('dns-poll:///echo').port, 443);
    assert.equal(parseTargetString('dns-poll:///echo').defaultPort, true);
    assert.equal(parseTargetString('dns-poll:///[::1]').defaultPort, true);
    assert.equal(parseTargetString('dns-poll:///echo:443').defaultPort, false);
  });

  it('accepts the form without slashes', () => {
    assert.equal(parseTargetString('dns-poll:echo:80').name, 'echo');
  });

  it('keeps a trailing dot as fully qualified', () => {
    const t = parseTargetString('dns-poll:///echo.default.svc.cluster.local.:50051');
    assert.equal(t.name, 'echo.default.svc.cluster.local');
    assert.equal(t.absolute, true);
  });

  it('reads an IPv4 DNS server with and without port', () => {
    assert.deepEqual(parseTargetString('dns-poll://10.96.0.10/echo:1').dnsServer, {
      host: '10.96.0.10',
      port: 53,
    });
    assert.deepEqual(parseTargetString('dns-poll://127.0.53.1:20053/echo:1').dnsServer, {
      host: '127.0.53.1',
      port: 20053,
    });
  });

  it('reads a bracketed IPv6 DNS server', () => {
    assert.deepEqual(parseTargetString('dns-poll://[fd00::10]:5353/echo:1').dnsServer, {
      host: 'fd00::10',
      port: 5353,
    });
    assert.deepEqual(parseTargetString('dns-poll://[::1]/echo:1').dnsServer, { host: '::1', port: 53 });
  });

  it('treats IP literals as static endpoints', () => {
    assert.deepEqual(parseTargetString('dns-poll:///127.0.0.1:9').literal, { host: '127.0.0.1', port: 9 });
    assert.deepEqual(parseTargetString('dns-poll:///[::1]:9').literal, { host: '::1', port: 9 });
  });

  it('takes grpc-js GrpcUri objects (empty authority)', () => {
    const t = parseTarget({ scheme: 'dns-poll', authority: '', path: 'echo:7' });
    assert.equal(t.dnsServer, undefined);
    assert.equal(t.port, 7);
  });

  const malformed: [string, RegExp][] = [
    ['dns-poll:///echo:abc', /port "abc" is not a number/],
    ['dns-poll:///echo:0', /port 0 is out of range/],
    ['dns-poll:///echo:70000', /port 70000 is out of range/],
    ['dns-poll:///echo:', /port "" is not a number/],
    ['dns-poll:///:50051', /DNS name is empty/],
    ['dns-poll:///a..b:1', /empty label/],
    ['dns-poll:///.a:1', /empty label/],
    ['dns-poll:///ech*o:1', /label "ech\*o" may only hold/],
    ['dns-poll:///-echo:1', /label "-echo"/],
    [`dns-poll:///${'a'.repeat(64)}:1`, /is 64 characters long \(at most 63\)/],
    [`dns-poll:///${'a.'.repeat(130)}b:1`, /characters long \(at most 253\)/],
    ['dns-poll:///ns/echo:1', /contains "\/"/],
    ['dns-poll:///::1:50051', /IPv6 address in brackets/],
    ['dns-poll:///[::1:50051', /"\[" without "\]"/],
    ['dns-poll:///[zz]:1', /not an IPv6 address/],
    ['dns-poll:///[::1]x:1', /unexpected "x:1"/],
    ['dns-poll://kube-dns/echo:1', /DNS server "kube-dns" must be an IPv4 address or a bracketed IPv6/],
    ['dns-poll://fd00::10/echo:1', /write the IPv6 DNS server in brackets/],
    ['dns-poll://10.0.0.1:99999/echo:1', /DNS server port 99999 is out of range/],
    ['dns-poll://10.0.0.1:x/echo:1', /DNS server port "x" is not a number/],
    ['dns-poll://[fd00::10/echo:1', /has "\[" without "\]"/],
    ['dns:///echo:1', /the scheme must be "dns-poll"/],
    ['dns-poll://echo:50051', /no name after "\/\/echo:50051"; did you mean dns-poll:\/\/\/echo:50051/],
    ['dns-poll:///', /no name:port; expected dns-poll:\/\/\/name:port/],
  ];
  for (const [target, message] of malformed) {
    it(`rejects ${target}`, () => {
      assert.throws(
        () => parseTargetString(target),
        (e: unknown) =>
          e instanceof ThickTargetError && message.test(e.message) && e.message.includes(target),
      );
    });
  }
});
