// The scale client: one channel in a fresh process (started with --expose-gc), steered by the
// bench over IPC. It answers when all subchannels are READY (read through grpc-js's public channelz
// handlers), and measures its own memory and CPU.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { register } from '../../lib/index.js';
import { type EchoClient, makeEchoClient } from '../../lib/testing/echo-client.js';
import { loadTestingProtos } from '../../lib/testing/protos.js';
import { barePolls } from './bare-poll.js';
import type { ScaleReply, ScaleRequest } from './protocol.js';

/** How often readiness is read while connecting: fine enough for a figure in hundreds of ms. */
const READY_POLL_MS = 10;

interface ChannelMessage {
  readonly channel?: { readonly subchannel_ref?: readonly { readonly subchannel_id: string }[] };
}
interface SubchannelMessage {
  readonly subchannel?: { readonly data?: { readonly state?: { readonly state?: string } } };
}

const handlers = grpc.getChannelzHandlers();
let client: EchoClient | undefined;
let cpuMark = process.cpuUsage();
let markAt = performance.now();

function send(message: ScaleReply): void {
  if (process.connected) process.send?.(message);
}

/** Calls a channelz handler in-process, as the admin service would. */
function channelz<T>(method: 'GetChannel' | 'GetSubchannel', request: Record<string, string>): Promise<T> {
  return new Promise((resolve, reject) => {
    const handler = handlers[method] as unknown as (
      call: { request: Record<string, string> },
      callback: (error: Error | null, value?: T) => void,
    ) => void;
    handler({ request }, (error, value) => (error ? reject(error) : resolve(value as T)));
  });
}

async function readiness(
  channel: ReturnType<grpc.Client['getChannel']>,
): Promise<{ ready: number; subchannels: number }> {
  const { id } = channel.getChannelzRef();
  const reply = await channelz<ChannelMessage>('GetChannel', { channel_id: String(id) });
  const refs = reply.channel?.subchannel_ref ?? [];
  let ready = 0;
  for (const ref of refs) {
    const sub = await channelz<SubchannelMessage>('GetSubchannel', {
      subchannel_id: String(ref.subchannel_id),
    });
    if (sub.subchannel?.data?.state?.state === 'READY') ready++;
  }
  return { ready, subchannels: refs.length };
}

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('the scale client needs --expose-gc');
  // Twice: the first pass may only make more garbage collectable (weak references, finalizers).
  collect();
  collect();
}

async function handle(request: ScaleRequest): Promise<ScaleReply> {
  switch (request.type) {
    case 'memory': {
      gc();
      const { rss, heapUsed } = process.memoryUsage();
      return { type: 'memory', id: request.id, rssBytes: rss, heapUsedBytes: heapUsed };
    }
    case 'cpu-mark':
      cpuMark = process.cpuUsage();
      markAt = performance.now();
      return { type: 'cpu-mark', id: request.id };
    case 'cpu-read': {
      const d = process.cpuUsage(cpuMark);
      return {
        type: 'cpu-read',
        id: request.id,
        cpuUs: d.user + d.system,
        elapsedMs: performance.now() - markAt,
      };
    }
    case 'bare-polls': {
      const { host, port, name, intervalMs, count } = request;
      return {
        type: 'bare-polls',
        id: request.id,
        ...(await barePolls(host, port, name, intervalMs, count)),
      };
    }
    case 'connect': {
      const t0 = performance.now();
      client = makeEchoClient(request.target, request.options);
      const channel = client.client.getChannel();
      channel.getConnectivityState(true);
      const deadline = t0 + request.timeoutMs;
      for (;;) {
        const state = await readiness(channel);
        if (state.ready >= request.expected) {
          return { type: 'connect', id: request.id, readyMs: performance.now() - t0, ...state };
        }
        if (performance.now() > deadline) {
          const error = `only ${state.ready} of ${request.expected} READY after ${request.timeoutMs} ms`;
          return { type: 'connect', id: request.id, readyMs: Number.NaN, ...state, error };
        }
        await sleep(READY_POLL_MS);
      }
    }
  }
}

register({ grpc });
// Loaded before the idle measurement: an idle client has its service definitions too.
loadTestingProtos();
process.on('message', (request: ScaleRequest) => {
  handle(request).then(send, (error: unknown) => send({ type: 'fatal', message: String(error) }));
});
process.on('disconnect', () => process.exit(0));
send({ type: 'started' });
