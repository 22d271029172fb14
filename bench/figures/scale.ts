// Figure 4: many endpoints in DNS. For each configuration, in a fresh client process: time from
// connecting to all subchannels READY, client memory above the same process idle, and (dns-poll)
// the CPU a poll costs when the answer is unchanged.
import { setTimeout as sleep } from 'node:timers/promises';
import { configsFor } from '../configs.js';
import type { BenchParams } from '../params.js';
import { type FigureResult, finishRows, RowBuilder } from '../results.js';
import type { ScaleReply } from '../scale/protocol.js';
import { connectClient, type HostScenario, startScaleClient } from '../scale/scenario.js';

const BYTES_PER_MB = 1024 * 1024;
/** The configuration whose connected channel is the same connections without any polling. */
const STOCK_BASELINE = 'round_robin';
const US_PER_MS = 1000;

export async function runScale(p: BenchParams, hosts: HostScenario): Promise<FigureResult> {
  const { endpoints, pollIntervalMs, unchangedPolls, readyTimeoutMs } = p.scale;
  const ips = hosts.hosts.ips.slice(0, endpoints);
  await hosts.publish(ips);
  const scenario = hosts.scenario(ips, pollIntervalMs);
  const windowMs = unchangedPolls * pollIntervalMs;
  const configs = configsFor('scale').map((config) => {
    const channel = config.channel(scenario);
    return {
      config,
      channel,
      row: new RowBuilder(config.id, config.description, 'skip' in channel ? channel.skip : undefined),
    };
  });
  for (let rep = 0; rep < p.scale.repetitions; rep++) {
    // Stock round_robin's connected channel CPU in this repetition (it runs first): the same 1000
    // connections, no polling. What a dns-poll channel spends above it is what polling costs.
    let stockConnectedUsPerMs: number | undefined;
    for (const { config, channel, row } of configs) {
      if ('skip' in channel) continue;
      const { client, idleRssBytes, idleHeapBytes, idleCpuUsPerMs } = await startScaleClient(windowMs);
      try {
        const connected = await connectClient(client, channel, endpoints, readyTimeoutMs);
        const memory = await client.request<Extract<ScaleReply, { type: 'memory' }>>({ type: 'memory' });
        const values: Record<string, number> = {
          readyMs: connected.readyMs,
          rssMB: (memory.rssBytes - idleRssBytes) / BYTES_PER_MB,
          heapMB: (memory.heapUsedBytes - idleHeapBytes) / BYTES_PER_MB,
        };
        // Let the first polls after connecting pass, then measure: polls of the same answer
        // (dns-poll), and for every configuration what its connected, idle channel costs.
        await sleep(pollIntervalMs);
        const since = Date.now();
        await client.request({ type: 'cpu-mark' });
        await sleep(windowMs);
        const cpu = await client.request<Extract<ScaleReply, { type: 'cpu-read' }>>({ type: 'cpu-read' });
        const netUs = cpu.cpuUs - idleCpuUsPerMs * cpu.elapsedMs;
        values.connectedCpuMsPerS = netUs / cpu.elapsedMs;
        if (config.id === STOCK_BASELINE) {
          stockConnectedUsPerMs = netUs / cpu.elapsedMs;
          // The floor: the same process and connections, polls stripped to their two exchanges.
          const bare = await client.request<Extract<ScaleReply, { type: 'bare-polls' }>>({
            type: 'bare-polls',
            ...hosts.dnsQuestion(),
            intervalMs: pollIntervalMs,
            count: unchangedPolls,
          });
          values.barePollCpuMs =
            (bare.cpuUs - (idleCpuUsPerMs + stockConnectedUsPerMs) * bare.elapsedMs) /
            unchangedPolls /
            US_PER_MS;
        }
        if (channel.target.startsWith('dns-poll:')) {
          const polls = hosts.pollsSince(since);
          const perPoll = (us: number) => (polls > 0 ? us / polls / US_PER_MS : Number.NaN);
          const aboveStockUs =
            stockConnectedUsPerMs === undefined ? Number.NaN : netUs - stockConnectedUsPerMs * cpu.elapsedMs;
          values.pollCpuMs = perPoll(aboveStockUs);
          values.pollCpuAboveIdleMs = perPoll(netUs);
          values.pollCpuGrossMs = perPoll(cpu.cpuUs);
          values.polls = polls;
        }
        row.add(values);
        row.details = { subchannels: connected.subchannels, config: config.id };
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
    id: 'scale',
    repetitions: p.scale.repetitions,
    title: `Figure 4: ${endpoints} endpoints in DNS, served by ${p.scale.hostProcesses} processes on ${endpoints} loopback addresses`,
    notes: [
      'Each measurement is a fresh client process; memory is after GC, above the same process idle (grpc-js, SDK and protos loaded, no channel).',
      `ready: from connecting the channel (dns-poll: its first DNS query included) to all ${endpoints} subchannels READY (channelz).`,
      `connected CPU: client CPU per second over ${windowMs} ms with every endpoint connected and no call, minus the idle process's.`,
      `bare exchanges (on round_robin's row): the floor under poll CPU, measured in the same process with the same connections and timer spacing: ${unchangedPolls} polls stripped to their two exchanges (A over a kept TCP connection, AAAA over a kept UDP socket, at once; answers read whole, not parsed), above that channel's connected CPU. What a thick row's poll CPU has above it is the SDK's own part.`,
      `poll CPU: the same window's CPU (${unchangedPolls} polls of an unchanged answer, ${pollIntervalMs} ms apart) per poll, above stock round_robin's connected channel in the same repetition (the same ${endpoints} connections, no polling); "above idle" counts that channel's own cost too, "gross" the idle process's as well.`,
    ],
    metrics: [
      { key: 'readyMs', label: 'all READY ms' },
      { key: 'rssMB', label: 'RSS +MB' },
      { key: 'heapMB', label: 'heap +MB' },
      { key: 'connectedCpuMsPerS', label: 'connected CPU ms/s' },
      { key: 'pollCpuMs', label: 'CPU ms/poll (unchanged)' },
      { key: 'barePollCpuMs', label: 'bare exchanges ms/poll' },
      { key: 'pollCpuAboveIdleMs', label: 'above idle ms/poll' },
      { key: 'pollCpuGrossMs', label: 'gross CPU ms/poll' },
      { key: 'polls', label: 'polls measured' },
    ],
    rows: finishRows(
      configs.map((c) => c.row),
      ['round_robin'],
    ),
  };
}
