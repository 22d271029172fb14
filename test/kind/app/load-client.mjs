// The kind suite's load client: a grpc-js client using the SDK (thickChannelOptions(), defaults
// unless POLL_INTERVAL_MS is set) that sends steady open-loop load until SIGTERM, MAX_CALLS or
// MAX_DURATION_MS, then prints one machine-readable line: "grpc-thick-load-result {json}".
// CLIENT=stock runs stock grpc-js (dns: + round_robin) instead, for comparison.
import 'grpc-thick-client/register';
import { setTimeout as sleep } from 'node:timers/promises';
import { thickChannelOptions } from 'grpc-thick-client';
import { formatLoadResult, LoadGenerator, makeEchoClient } from 'grpc-thick-client/testing';

const env = (name, fallback) => (process.env[name] === undefined ? fallback : Number(process.env[name]));
const target = process.env.TARGET;
if (!target) {
  console.error('TARGET is not set (for example dns-poll:///echo.default.svc.cluster.local:50051)');
  process.exit(2);
}
const stock = process.env.CLIENT === 'stock';
const rate = env('RATE', 100);
const deadlineMs = env('DEADLINE_MS', 2000);
const maxCalls = env('MAX_CALLS', undefined);
const settleMs = env('SETTLE_MS', 0);
// A bound on every run, whatever happens to the runner that should stop it.
const maxDurationMs = env('MAX_DURATION_MS', 600_000);
const warmUpMs = env('WARMUP_TIMEOUT_MS', 60_000);
const pollIntervalMs = env('POLL_INTERVAL_MS', undefined);

const client = stock
  ? makeEchoClient(target.replace(/^dns-poll:/, 'dns:'), {
      'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
    })
  : makeEchoClient(
      target,
      thickChannelOptions(pollIntervalMs === undefined ? {} : { dns: { pollIntervalMs } }),
    );

const generator = new LoadGenerator(({ deadlineMs: ms }) => client.call(ms));
let finished = false;
async function finish(error) {
  if (finished) return;
  finished = true;
  const results = await generator.stop();
  console.log(formatLoadResult(results, error));
  client.close();
  process.exit(error === undefined ? 0 : 1);
}
process.on('SIGTERM', () => void finish());
process.on('SIGINT', () => void finish());

// The first call proves the Service resolves and a pod answers; the load starts from there.
const warmUpEnd = Date.now() + warmUpMs;
let lastError;
for (;;) {
  try {
    await client.call(Math.min(2000, deadlineMs * 2));
    break;
  } catch (error) {
    lastError = error;
    if (Date.now() > warmUpEnd) await finish(`no call succeeded in ${warmUpMs} ms: ${error.message}`);
    if (finished) break;
    await sleep(500);
  }
}
if (!finished) {
  if (lastError) console.log(`warm-up: recovered from ${lastError.message}`);
  await sleep(settleMs);
  console.log(
    `load started: ${rate} calls/s, deadline ${deadlineMs} ms, ${stock ? 'stock grpc-js' : 'grpc-thick-client'}`,
  );
  generator.start({
    ratePerSecond: rate,
    deadlineMs,
    durationMs: maxDurationMs,
    ...(maxCalls === undefined ? {} : { maxCalls }),
  });
  await generator.done;
  await finish();
}
