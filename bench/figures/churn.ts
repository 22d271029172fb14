// Figure 5: churn. At every poll the DNS answer replaces one endpoint (the oldest leaves, a new one
// joins). The backend hosts count connects and closes per address: nothing but the endpoint that
// changed may be touched. And the client CPU one update costs.
import { setTimeout as sleep } from 'node:timers/promises';
import { configsFor } from '../configs.js';
import type { BenchParams } from '../params.js';
import { type FigureResult, finishRows, RowBuilder } from '../results.js';
import type { ScaleReply } from '../scale/protocol.js';
import { connectClient, type HostScenario, startScaleClient } from '../scale/scenario.js';

const US_PER_MS = 1000;
/** Polls to wait for, each: several intervals, so a late timer is not taken for a missing poll. */
const POLL_TIMEOUT_INTERVALS = 10;
/** After the last update: time for the last new connection to be made and the last drain to close. */
const SETTLE_INTERVALS = 4;
const CLOSE_WATCH_MS = 100;

function delta(
  after: Readonly<Record<string, number>>,
  before: Readonly<Record<string, number>>,
  ip: string,
) {
  return (after[ip] ?? 0) - (before[ip] ?? 0);
}

export async function runChurn(p: BenchParams, hosts: HostScenario): Promise<FigureResult> {
  const { endpoints, pollIntervalMs, updates } = p.churn;
  const all = hosts.hosts.ips;
  const initial = all.slice(0, endpoints);
  const scenario = hosts.scenario(initial, pollIntervalMs);
  const pollTimeoutMs = POLL_TIMEOUT_INTERVALS * pollIntervalMs;
  const configs = configsFor('churn').map((config) => {
    const channel = config.channel(scenario);
    return {
      config,
      channel,
      row: new RowBuilder(config.id, config.description, 'skip' in channel ? channel.skip : undefined),
    };
  });
  for (let rep = 0; rep < p.churn.repetitions; rep++) {
    for (const { channel, row } of configs) {
      if ('skip' in channel) continue;
      await hosts.publish(initial);
      const windowMs = updates * pollIntervalMs;
      const { client, idleCpuUsPerMs } = await startScaleClient(windowMs);
      try {
        await connectClient(client, channel, endpoints, p.scale.readyTimeoutMs);
        const before = await hosts.hosts.counts();
        await client.request({ type: 'cpu-mark' });
        const current = [...initial];
        const added: string[] = [];
        const removed: string[] = [];
        for (let u = 0; u < updates; u++) {
          const next = all[endpoints + u]!;
          removed.push(current.shift()!);
          current.push(next);
          added.push(next);
          const publishedAt = Date.now();
          await hosts.publish(current);
          await hosts.nextPoll(publishedAt, pollTimeoutMs);
        }
        await sleep(SETTLE_INTERVALS * pollIntervalMs);
        const cpu = await client.request<Extract<ScaleReply, { type: 'cpu-read' }>>({ type: 'cpu-read' });
        const lastUpdateAt = Date.now() - SETTLE_INTERVALS * pollIntervalMs;
        let after = await hosts.hosts.counts();
        let closedAfterMs = Number.NaN;
        for (;;) {
          const closed = removed.every((ip) => delta(after.closes, before.closes, ip) > 0);
          if (closed) closedAfterMs = Date.now() - lastUpdateAt;
          if (closed || Date.now() - lastUpdateAt > p.churn.closeWaitMs) break;
          await sleep(CLOSE_WATCH_MS);
          after = await hosts.hosts.counts();
        }
        const untouched = initial.filter((ip) => !removed.includes(ip));
        const touched = untouched.filter(
          (ip) => delta(after.connects, before.connects, ip) + delta(after.closes, before.closes, ip) > 0,
        );
        const sum = (ips: string[], counts: 'connects' | 'closes') =>
          ips.reduce((n, ip) => n + delta(after[counts], before[counts], ip), 0);
        row.add({
          untouchedTouched: touched.length,
          addedConnects: sum(added, 'connects'),
          removedCloses: sum(removed, 'closes'),
          removedReconnects: sum(removed, 'connects'),
          closedAfterMs,
          cpuMsPerUpdate: (cpu.cpuUs - idleCpuUsPerMs * cpu.elapsedMs) / updates / US_PER_MS,
          cpuGrossMsPerUpdate: cpu.cpuUs / updates / US_PER_MS,
        });
        if (touched.length > 0) row.details = { touched };
      } catch (error) {
        // One failed measurement is reported in the row, not the end of the run.
        row.failed(1, (error as Error).message);
      } finally {
        await client.kill();
        await hosts.quiesce();
      }
    }
  }
  return {
    id: 'churn',
    repetitions: p.churn.repetitions,
    title: `Figure 5: churn, ${endpoints} endpoints, one replaced at each of ${updates} polls (${pollIntervalMs} ms apart)`,
    notes: [
      'Counted at the backends, per address: untouched = endpoints that stayed in DNS yet saw a connect or a close (must be 0);',
      `added connects should equal ${updates} (one per new endpoint), removed closes ${updates} (each drained endpoint closed once, within ${p.churn.closeWaitMs} ms:`,
      'grpc-js\'s subchannel pool closes a connection no channel uses at its next sweep, every 10 s; "closed after" counts from the last update).',
      'CPU per update: client CPU from the first update until all settled (each update includes its poll) minus the idle process, per update; gross includes it.',
    ],
    metrics: [
      { key: 'untouchedTouched', label: 'untouched touched' },
      { key: 'addedConnects', label: 'added connects' },
      { key: 'removedCloses', label: 'removed closes' },
      { key: 'removedReconnects', label: 'removed reconnects' },
      { key: 'closedAfterMs', label: 'all removed closed after ms' },
      { key: 'cpuMsPerUpdate', label: 'CPU ms/update' },
      { key: 'cpuGrossMsPerUpdate', label: 'gross CPU ms/update' },
    ],
    rows: finishRows(
      configs.map((c) => c.row),
      [],
    ),
  };
}
