// An answer's addresses as the wire parser found them (offsets into the packet): an exact,
// order-independent identity computed from the raw bytes, and text only when someone asks.
import type { AddressRecord, Family } from './answer.js';

const IPV4_LENGTH = 4;
const IPV6_LENGTH = 16;
const IPV6_WORDS32 = IPV6_LENGTH / IPV4_LENGTH;
const IPV6_GROUPS = 8;
/** Groups 0-5 of an IPv4-mapped address are 0:0:0:0:0:ffff; group 6 starts its IPv4 part. */
const MAPPED_MARKER_GROUP = 5;
const MAPPED_MARKER = 0xffff;
const IPV4_PART_GROUP = 6;
const IPV4_PART_OFFSET = 12;
const COMPATIBLE_ZERO_GROUPS = 6;
const HEX = 16;

/**
 * The A or AAAA records of one answer, kept as offsets into the packet. The identity and smallest
 * TTL are computed at once from the raw bytes; addresses become strings only when asked for.
 */
export class AddressAnswer {
  readonly ok = true as const;
  /** Equal for equal sets of addresses, whatever the order or repetition of the records. */
  readonly identity: string;
  /** The smallest TTL of the records, in seconds (0 when there are none). */
  readonly ttlSeconds: number;
  private decoded: readonly AddressRecord[] | undefined;

  constructor(
    private readonly packet: Uint8Array,
    readonly family: Family,
    private readonly offsets: Uint32Array,
    private readonly ttls: Uint32Array,
  ) {
    this.identity = family === 4 ? identity4(packet, offsets) : identity6(packet, offsets);
    let min = ttls.length > 0 ? Number.POSITIVE_INFINITY : 0;
    for (let i = 0; i < ttls.length; i++) min = Math.min(min, ttls[i]!);
    this.ttlSeconds = min;
  }

  /** Records accepted, in answer order (duplicates included, as c-ares gave them). */
  get size(): number {
    return this.offsets.length;
  }

  get records(): readonly AddressRecord[] {
    this.decoded ??= Object.freeze(
      Array.from(this.offsets, (offset, i) => ({
        address: this.family === 4 ? formatIPv4(this.packet, offset) : formatIPv6(this.packet, offset),
        ttl: this.ttls[i]!,
      })),
    );
    return this.decoded;
  }
}

/** Sorted distinct addresses as 32-bit numbers, as a latin1 string: exact, and compared in one step. */
function identity4(packet: Uint8Array, offsets: Uint32Array): string {
  const words = new Uint32Array(offsets.length);
  for (let i = 0; i < offsets.length; i++) words[i] = u32(packet, offsets[i]!);
  words.sort();
  return wordsToString(words, dedupe(words, 1));
}

function identity6(packet: Uint8Array, offsets: Uint32Array): string {
  const n = offsets.length;
  const raw = new Uint32Array(n * IPV6_WORDS32);
  for (let i = 0; i < n; i++) {
    for (let w = 0; w < IPV6_WORDS32; w++)
      raw[i * IPV6_WORDS32 + w] = u32(packet, offsets[i]! + w * IPV4_LENGTH);
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => {
    for (let w = 0; w < IPV6_WORDS32; w++) {
      const d = raw[a * IPV6_WORDS32 + w]! - raw[b * IPV6_WORDS32 + w]!;
      if (d !== 0) return d;
    }
    return 0;
  });
  const sorted = new Uint32Array(n * IPV6_WORDS32);
  for (let i = 0; i < n; i++)
    sorted.set(raw.subarray(order[i]! * IPV6_WORDS32, (order[i]! + 1) * IPV6_WORDS32), i * IPV6_WORDS32);
  return wordsToString(sorted, dedupe(sorted, IPV6_WORDS32));
}

/** Drops repeated entries of `width` words from a sorted array in place; returns the words kept. */
function dedupe(words: Uint32Array, width: number): number {
  let kept = 0;
  for (let i = 0; i < words.length; i += width) {
    let same = kept > 0;
    for (let w = 0; same && w < width; w++) same = words[i + w] === words[kept - width + w];
    if (same) continue;
    if (kept !== i) words.copyWithin(kept, i, i + width);
    kept += width;
  }
  return kept;
}

function wordsToString(words: Uint32Array, length: number): string {
  return Buffer.from(words.buffer, words.byteOffset, length * Uint32Array.BYTES_PER_ELEMENT).toString(
    'latin1',
  );
}

export function formatIPv4(packet: Uint8Array, offset: number): string {
  return `${packet[offset]}.${packet[offset + 1]}.${packet[offset + 2]}.${packet[offset + 3]}`;
}

/**
 * RFC 5952 text as inet_ntop writes it (and so Node and c-ares): lowercase, leading zeros dropped,
 * the longest run of two or more zero groups (the first of equal ones) as "::", and the last 32
 * bits as dotted IPv4 for IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) addresses.
 */
export function formatIPv6(packet: Uint8Array, offset: number): string {
  const groups: number[] = [];
  for (let i = 0; i < IPV6_GROUPS; i++) groups.push(u16(packet, offset + 2 * i));
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < IPV6_GROUPS; ) {
    let j = i;
    while (j < IPV6_GROUPS && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  if (bestLength < 2) bestStart = -1;
  const embedsIPv4 =
    bestStart === 0 &&
    (bestLength === COMPATIBLE_ZERO_GROUPS ||
      (bestLength === MAPPED_MARKER_GROUP && groups[MAPPED_MARKER_GROUP] === MAPPED_MARKER));
  let text = '';
  for (let i = 0; i < IPV6_GROUPS; i++) {
    if (i === bestStart) {
      text += i === 0 ? '::' : ':';
      i += bestLength - 1;
      continue;
    }
    if (embedsIPv4 && i === IPV4_PART_GROUP) return text + formatIPv4(packet, offset + IPV4_PART_OFFSET);
    text += groups[i]!.toString(HEX) + (i < IPV6_GROUPS - 1 ? ':' : '');
  }
  return text;
}

export function u16(packet: Uint8Array, offset: number): number {
  return (packet[offset]! << 8) | packet[offset + 1]!;
}

export function u32(packet: Uint8Array, offset: number): number {
  return (
    ((packet[offset]! << 24) |
      (packet[offset + 1]! << 16) |
      (packet[offset + 2]! << 8) |
      packet[offset + 3]!) >>>
    0
  );
}
