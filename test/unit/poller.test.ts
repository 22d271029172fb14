import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Logger } from '../../lib/common/logger.js';
import type { LookupOutcome } from '../../lib/discovery/answer.js';
import { parseResolverOptions } from '../../lib/discovery/options.js';
import { DnsPoller, type Resolution } from '../../lib/discovery/poller.js';
import { FakeClock, flush } from '../helpers/fake-clock.js';

function endpoints(...hosts: string[]): LookupOutcome {
  const sorted = [...hosts].sort();
  return {
    kind: 'endpoints',
    name: 'echo.ns.svc.cluster.local',
    endpoints: sorted.map((host) => ({ host, port: 80 })),
    key: sorted.map((h) => `${h}:80`).join(','),
    ttlSeconds: 5,
    ignored: [],
  };
}
const failure = (code = 'ESERVFAIL'): LookupOutcome => ({
  kind: 'failure',
  name: 'echo',
  code,
  message: code,
});
const nxdomain: LookupOutcome = { kind: 'empty', names: ['echo.ns.svc.cluster.local'], reason: 'ENOTFOUND' };

class Harness {
  readonly clock = new FakeClock();
  readonly reports: Resolution[] = [];
  readonly logs: { level: keyof Logger; message: string }[] = [];
  queries = 0;
  cancels = 0;
  inFlight = 0;
  maxInFlight = 0;
  /** The answer the next lookups give; a function gets the query number. */
  answer: LookupOutcome = endpoints('10.0.0.1', '10.0.0.2');
  /** Lookup latency in fake ms. */
  latencyMs = 0;
  readonly poller: DnsPoller;

  constructor(options: Record<string, unknown> = {}) {
    const logger: Logger = {
      warn: (message) => this.logs.push({ level: 'warn', message }),
      info: (message) => this.logs.push({ level: 'info', message }),
      debug: (message) => this.logs.push({ level: 'debug', message }),
    };
    this.poller = new DnsPoller({
      options: parseResolverOptions({ 'grpc-thick.poll_jitter': 0, ...options }),
      name: 'echo.ns.svc.cluster.local',
      server: '10.96.0.10:53',
      lookup: () => this.lookup(),
      cancel: () => {
        this.cancels++;
      },
      onResolution: (r) => this.reports.push(r),
      clock: this.clock,
      random: () => 0.5,
      logger,
    });
  }

  private async lookup(): Promise<LookupOutcome> {
    this.queries++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const answer = this.answer;
    if (this.latencyMs > 0)
      await new Promise<void>((resolve) => this.clock.setTimer(resolve, this.latencyMs));
    this.inFlight--;
    return answer;
  }

  warnings(): string[] {
    return this.logs.filter((l) => l.level === 'warn').map((l) => l.message);
  }
}

describe('DnsPoller', () => {
  it('answers the first request asynchronously, never synchronously', async () => {
    const h = new Harness();
    h.poller.requestResolution();
    assert.equal(h.reports.length, 0);
    assert.equal(h.queries, 0);
    await h.clock.advance(0);
    assert.equal(h.reports.length, 1);
    assert.equal(h.reports[0]!.kind, 'endpoints');
  });

  it('polls every interval and reports only changes, in any order', async () => {
    const h = new Harness();
    h.poller.requestResolution();
    await h.clock.advance(0);
    h.answer = endpoints('10.0.0.2', '10.0.0.1');
    await h.clock.advance(5000);
    assert.equal(h.queries, 2);
    assert.equal(h.reports.length, 1, 'unchanged answer must not be reported');
    h.answer = endpoints('10.0.0.1', '10.0.0.2', '10.0.0.3');
    await h.clock.advance(5000);
    assert.equal(h.queries, 3);
    assert.equal(h.reports.length, 2);
    const last = h.reports[1]!;
    assert.ok(last.kind === 'endpoints' && last.endpoints.length === 3);
  });

  it('does not poll before the interval', async () => {
    const h = new Harness();
    h.poller.requestResolution();
    await h.clock.advance(4999);
    assert.equal(h.queries, 1);
    await h.clock.advance(1);
    assert.equal(h.queries, 2);
  });

  it('always answers an explicit request, even when nothing changed', async () => {
    const h = new Harness();
    h.poller.requestResolution();
    await h.clock.advance(2000);
    h.poller.requestResolution();
    await h.clock.advance(0);
    assert.equal(h.queries, 2);
    assert.equal(h.reports.length, 2);
  });

  it('rate-limits explicit requests by the floor', async () => {
    const h = new Harness();
    h.poller.requestResolution();
    await h.clock.advance(0);
    h.poller.requestResolution();
    h.poller.requestResolution();
    await h.clock.advance(999);
    assert.equal(h.queries, 1, 'no second query before the 1 s floor');
    await h.clock.advance(1);
    assert.equal(h.queries, 2);
    assert.equal(h.reports.length, 2);
  });

  it('never has two queries in flight', async () => {
    const h = new Harness({
      'grpc-thick.poll_interval_ms': 1000,
      'grpc-thick.min_resolution_interval_ms': 100,
    });
    h.latencyMs = 3000;
    h.poller.requestResolution();
    for (let i = 0; i < 20; i++) {
      h.poller.requestResolution();
      await h.clock.advance(500);
    }
    assert.equal(h.maxInFlight, 1);
    assert.ok(h.queries >= 3);
  });

  it('keeps the last good set on failures, warns once, backs off, and recovers', async () => {
    const h = new Harness();
    h.poller.requestResolution();
    await h.clock.advance(0);
    h.answer = failure('ETIMEOUT');
    await h.clock.advance(5000);
    assert.equal(h.queries, 2);
    // back-off: 1 s, 2 s, 4 s, then the poll interval
    await h.clock.advance(1000);
    assert.equal(h.queries, 3);
    await h.clock.advance(2000);
    assert.equal(h.queries, 4);
    await h.clock.advance(4000);
    assert.equal(h.queries, 5);
    await h.clock.advance(5000);
    assert.equal(h.queries, 6);
    await h.clock.advance(30000);
    assert.equal(
      h.reports.length,
      1,
      'timer polls during the outage report nothing: the last good set stays',
    );
    assert.equal(h.warnings().length, 1, 'one warning for the whole outage');
    assert.match(h.warnings()[0]!, /ETIMEOUT.*keeping the 2 endpoint\(s\) of the last good answer/);
    h.answer = endpoints('10.0.0.1', '10.0.0.2');
    await h.clock.advance(5000);
    assert.equal(h.reports.length, 1, 'recovery with the same set reports nothing');
    assert.ok(h.logs.some((l) => l.level === 'info' && /recovered after \d+ failed queries/.test(l.message)));
    h.answer = failure();
    await h.clock.advance(5000);
    assert.equal(h.warnings().length, 2, 'a new outage warns again');
  });

  it('answers an explicit request during an outage with the last good set', async () => {
    const h = new Harness();
    h.poller.requestResolution();
    await h.clock.advance(0);
    h.answer = failure('ECONNREFUSED');
    await h.clock.advance(2000);
    h.poller.requestResolution();
    await h.clock.advance(0);
    assert.equal(h.reports.length, 2);
    const r = h.reports[1]!;
    assert.ok(r.kind === 'endpoints' && r.endpoints.length === 2 && /kept: .*ECONNREFUSED/.test(r.note));
  });

  it('reports an error when DNS fails before any good answer', async () => {
    const h = new Harness();
    h.answer = failure('EREFUSED');
    h.poller.requestResolution();
    await h.clock.advance(0);
    assert.equal(h.reports[0]!.kind, 'error');
    assert.match((h.reports[0] as { message: string }).message, /EREFUSED/);
    await h.clock.advance(3000);
    assert.equal(h.reports.length, 1, 'the same error is not reported again');
    h.answer = endpoints('10.0.0.9');
    await h.clock.advance(5000);
    assert.equal(h.reports.at(-1)!.kind, 'endpoints');
  });

  it('reports no endpoints on NXDOMAIN, naming the name and server, and recovers', async () => {
    const h = new Harness();
    h.poller.requestResolution();
    await h.clock.advance(0);
    h.answer = nxdomain;
    await h.clock.advance(5000);
    const empty = h.reports[1]!;
    assert.equal(empty.kind, 'empty');
    assert.match(
      (empty as { message: string }).message,
      /echo\.ns\.svc\.cluster\.local.*no endpoints.*ENOTFOUND.*10\.96\.0\.10:53/,
    );
    await h.clock.advance(5000);
    assert.equal(h.reports.length, 2);
    h.answer = endpoints('10.0.0.5');
    await h.clock.advance(5000);
    assert.equal(h.reports.length, 3);
    assert.equal(h.reports[2]!.kind, 'endpoints');
  });

  it('drops a stale set after the maximum staleness', async () => {
    const h = new Harness({ 'grpc-thick.max_staleness_ms': 20000 });
    h.poller.requestResolution();
    await h.clock.advance(0);
    h.answer = failure();
    await h.clock.advance(20000);
    assert.equal(h.reports.length, 1, 'not stale yet');
    await h.clock.advance(6000);
    assert.equal(h.reports.length, 2);
    assert.equal(h.reports[1]!.kind, 'empty');
    assert.match((h.reports[1] as { message: string }).message, /older than the maximum staleness/);
  });

  it('caps the wait at the TTL when asked', async () => {
    const h = new Harness({ 'grpc-thick.respect_ttl': true });
    h.answer = { ...(endpoints('10.0.0.1') as Extract<LookupOutcome, { kind: 'endpoints' }>), ttlSeconds: 2 };
    h.poller.requestResolution();
    await h.clock.advance(0);
    assert.deepEqual(h.clock.pending(), [2000]);
  });

  it('stops on destroy: no timer left, the answer in flight is dropped, and it restarts afresh', async () => {
    const h = new Harness();
    h.latencyMs = 100;
    h.poller.requestResolution();
    await h.clock.advance(10);
    h.poller.destroy();
    assert.equal(h.cancels, 1);
    await h.clock.advance(200);
    await flush();
    assert.equal(h.reports.length, 0, 'an answer arriving after destroy is dropped');
    assert.deepEqual(h.clock.pending(), [], 'no timer left behind');
    h.poller.requestResolution();
    await h.clock.advance(100);
    assert.equal(h.reports.length, 1, 'restarts and reports the same set again to the new policy');
  });
});
