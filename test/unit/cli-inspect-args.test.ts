// The inspect command's flags, in process: defaults from the resolver's table, the resolver's own
// validation of the DNS flags, and usage errors with exit status 2.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INSPECT_DEFAULTS, parseInspectArgs } from '../../lib/cli/inspect.js';
import { RESOLVER_DEFAULTS } from '../../lib/config/defaults.js';

function usageError(args: string[], pattern: RegExp): void {
  assert.throws(
    () => parseInspectArgs(args),
    (error: Error & { exitCode?: number }) => {
      assert.equal(error.name, 'CliError');
      assert.equal(error.exitCode, 2);
      assert.match(error.message, pattern);
      return true;
    },
  );
}

describe('inspect flags', () => {
  it('defaults to the resolver defaults and the CLI table', () => {
    assert.deepEqual(parseInspectArgs(['dns-poll:///echo:50051']), {
      target: 'dns-poll:///echo:50051',
      json: false,
      addressFamily: RESOLVER_DEFAULTS.addressFamily,
      dnsTimeoutMs: RESOLVER_DEFAULTS.dnsTimeoutMs,
      dnsTries: RESOLVER_DEFAULTS.dnsTries,
      resolvConfPath: RESOLVER_DEFAULTS.resolvConfPath,
      timeoutMs: INSPECT_DEFAULTS.timeoutMs,
      healthService: INSPECT_DEFAULTS.healthService,
      call: null,
      calls: INSPECT_DEFAULTS.calls,
    });
  });

  it('reads every flag', () => {
    const options = parseInspectArgs([
      'echo:50051',
      '--dns-server',
      '[fd00::10]:5353',
      '--address-family=ipv6',
      '--dns-timeout-ms',
      '250',
      '--dns-tries',
      '3',
      '--resolv-conf',
      '/tmp/r.conf',
      '--timeout-ms',
      '900',
      '--health-service',
      'echo.Echo',
      '--call',
      '/echo.Echo/Echo',
      '--calls',
      '9',
      '--json',
    ]);
    assert.deepEqual(options, {
      target: 'echo:50051',
      json: true,
      addressFamily: 'ipv6',
      dnsTimeoutMs: 250,
      dnsTries: 3,
      resolvConfPath: '/tmp/r.conf',
      dnsServer: { host: 'fd00::10', port: 5353 },
      timeoutMs: 900,
      healthService: 'echo.Echo',
      call: '/echo.Echo/Echo',
      calls: 9,
    });
    assert.equal(parseInspectArgs(['-h']), 'help');
  });

  it('refuses what the resolver would refuse, naming the flag', () => {
    usageError(['t:1', '--address-family', 'ipv5'], /--address-family/);
    usageError(['t:1', '--dns-tries', '0'], /--dns-tries/);
    usageError(['t:1', '--dns-tries', 'abc'], /--dns-tries must be a whole number, got "abc"/);
    usageError(['t:1', '--dns-timeout-ms', '1.5'], /--dns-timeout-ms must be a whole number, got "1.5"/);
    usageError(['t:1', '--dns-timeout-ms', 'soon'], /--dns-timeout-ms/);
    usageError(['t:1', '--dns-server', 'dns.local'], /invalid DNS server "dns\.local"/);
  });

  it('usage errors: no target, two targets, an unknown flag, --calls without --call, a bad method', () => {
    usageError([], /a target is needed/);
    usageError(['a:1', 'b:1'], /one target only/);
    usageError(['a:1', '--colour'], /Unknown option '--colour'/);
    usageError(['a:1', '--calls', '3'], /--calls needs --call/);
    usageError(['a:1', '--call', 'Echo'], /--call must be a full method name/);
    usageError(['a:1', '--call', '/a.B/C', '--calls', '0'], /--calls must be a whole number from 1/);
  });
});
