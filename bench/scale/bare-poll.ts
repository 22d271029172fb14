// The floor under figure 4's poll CPU: what the two exchanges of a poll cost this machine with no
// resolver around them (no parse, no identity, no scheduling of ours), in the same process as the
// measured channels and with the same timer spacing, so the SDK's own part is the difference.
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

const TCP_LENGTH_PREFIX = 2;
const QUERY_ID = 0x4242;
const HEADER_LENGTH = 12;
const FLAG_RD = 0x0100;
const TYPE = { 4: 1, 6: 28 } as const;
const CLASS_IN = 1;

export async function barePolls(
  host: string,
  port: number,
  name: string,
  intervalMs: number,
  count: number,
): Promise<{ cpuUs: number; elapsedMs: number }> {
  const a = encoded(name, 4);
  const aaaa = encoded(name, 6);
  const frame = Buffer.alloc(TCP_LENGTH_PREFIX + a.length);
  frame.writeUInt16BE(a.length, 0);
  a.copy(frame, TCP_LENGTH_PREFIX);
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

/** A plain recursive A or AAAA question (RFC 1035 §4.1): its own, so the floor owes nothing to the SDK. */
function encoded(name: string, family: 4 | 6): Buffer {
  const labels = name.split('.').filter(Boolean);
  const nameLength = labels.reduce((n, label) => n + 1 + label.length, 1);
  const packet = Buffer.alloc(HEADER_LENGTH + nameLength + 4);
  packet.writeUInt16BE(QUERY_ID, 0);
  packet.writeUInt16BE(FLAG_RD, 2);
  packet.writeUInt16BE(1, 4);
  let p = HEADER_LENGTH;
  for (const label of labels) {
    packet[p++] = label.length;
    p += packet.write(label, p, 'latin1');
  }
  packet[p++] = 0;
  packet.writeUInt16BE(TYPE[family], p);
  packet.writeUInt16BE(CLASS_IN, p + 2);
  return packet;
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
