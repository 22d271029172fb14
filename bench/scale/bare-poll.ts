// The floor under figure 4's poll CPU: what the two exchanges of a poll cost this machine with no
// resolver around them (no parse, no identity, no scheduling of ours), in the same process as the
// measured channels and with the same timer spacing, so the SDK's own part is the difference.
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import * as dnsPacket from 'dns-packet';

const TCP_LENGTH_PREFIX = 2;
const QUERY_ID = 0x4242;

export async function barePolls(
  host: string,
  port: number,
  name: string,
  intervalMs: number,
  count: number,
): Promise<{ cpuUs: number; elapsedMs: number }> {
  // dns-packet, not the SDK's encoder: the floor owes nothing to the code it is the floor of.
  const frame = dnsPacket.streamEncode(question(name, 'A'));
  const aaaa = dnsPacket.encode(question(name, 'AAAA'));
  const tcp = net.connect({ host, port });
  tcp.setNoDelay(true);
  await new Promise<void>((resolve, reject) => tcp.once('connect', resolve).once('error', reject));
  const udp = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => udp.connect(port, host, resolve));
  const poll = () => Promise.all([tcpAnswer(tcp, frame), udpAnswer(udp, aaaa)]);
  try {
    await poll(); // the connection's first answer is not a poll's
    await sleep(intervalMs);
    const mark = process.cpuUsage();
    const start = performance.now();
    for (let i = 0; i < count; i++) {
      await poll();
      await sleep(intervalMs);
    }
    const d = process.cpuUsage(mark);
    return { cpuUs: d.user + d.system, elapsedMs: performance.now() - start };
  } finally {
    tcp.destroy();
    udp.close();
  }
}

function question(name: string, type: 'A' | 'AAAA'): dnsPacket.Packet {
  return {
    type: 'query',
    id: QUERY_ID,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type, name, class: 'IN' }],
  };
}

/** Writes the question and resolves when one whole answer frame has been read. */
function tcpAnswer(socket: net.Socket, frame: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const prefix: number[] = [];
    let expected = -1;
    let received = 0;
    const onData = (chunk: Buffer): void => {
      for (let i = 0; i < chunk.length && prefix.length < TCP_LENGTH_PREFIX; i++) prefix.push(chunk[i]!);
      if (expected < 0 && prefix.length === TCP_LENGTH_PREFIX) {
        expected = TCP_LENGTH_PREFIX + ((prefix[0]! << 8) | prefix[1]!);
      }
      received += chunk.length;
      if (expected >= 0 && received >= expected) {
        socket.off('data', onData).off('error', reject);
        resolve();
      }
    };
    socket.on('data', onData).once('error', reject);
    socket.write(frame);
  });
}

function udpAnswer(socket: dgram.Socket, packet: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('message', () => resolve());
    socket.send(packet, (error) => {
      if (error) reject(error);
    });
  });
}
