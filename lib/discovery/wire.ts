// The DNS wire format for the resolver's own client (dns-client.ts): an A or AAAA query, and the
// parse of its answer down to an exact, order-independent identity of the address set. Pure: no
// sockets. Every read is bounds-checked: a garbled packet is a result, never an exception.
import { DNS_WIRE_DEFAULTS } from '../config/defaults.js';
import { AddressAnswer, u16, u32 } from './address-set.js';
import type { Family } from './answer.js';

const HEADER_LENGTH = 12;
const QUESTION_OFFSET = HEADER_LENGTH;
/** Type and class after the question name. */
const QUESTION_FIXED_LENGTH = 4;
/** Type, class, TTL and RDLENGTH after a record's owner name. */
const RR_FIXED_LENGTH = 10;
/** The shortest record: the root name (one byte) and the fixed part, with no data. */
const MIN_RR_LENGTH = 1 + RR_FIXED_LENGTH;
/** The EDNS0 OPT record: root name, type, class (= UDP size), TTL (= flags), RDLENGTH 0. */
const OPT_LENGTH = 11;
const TYPE_A = 1;
const TYPE_CNAME = 5;
const TYPE_AAAA = 28;
const TYPE_OPT = 41;
const CLASS_IN = 1;
const FLAG_QR = 0x8000;
const FLAG_TC = 0x0200;
const FLAG_RD = 0x0100;
const OPCODE_SHIFT = 11;
const OPCODE_MASK = 0xf;
const RCODE_MASK = 0xf;
const LABEL_KIND_MASK = 0xc0;
const POINTER_KIND = 0xc0;
const POINTER_HIGH_MASK = 0x3f;
const MAX_LABEL_LENGTH = 63;
/** RFC 1035 §3.1: a name is at most 255 octets on the wire, length octets and root included. */
const MAX_NAME_WIRE_LENGTH = 255;
const ASCII_MAX = 0x7f;
const UPPER_A = 0x41;
const UPPER_Z = 0x5a;
const LOWERCASE_BIT = 0x20;
/** RFC 2181 §8: a TTL with its top bit set is read as 0. */
const MAX_TTL = 0x7fffffff;
const IPV4_LENGTH = 4;
const IPV6_LENGTH = 16;

export const RCODE = Object.freeze({
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
});

/** One query as sent, and what its answer must echo. */
export interface DnsQuestion {
  readonly id: number;
  readonly name: string;
  readonly family: Family;
  readonly packet: Buffer;
  /** The name in lowercased wire form: the echoed question and owner names compare against it. */
  readonly key: string;
  /** The same bytes, root label included, to match owner names written out in full without a copy. */
  readonly wire: Uint8Array;
}

export type EncodeResult =
  | { readonly ok: true; readonly question: DnsQuestion }
  | { readonly ok: false; readonly reason: string };

/**
 * A recursive (RD) query for the A or AAAA records of `name`, with an EDNS0 OPT record advertising
 * `ednsUdpSize` (0: none, for a server that answers FORMERR to EDNS).
 */
export function encodeQuery(
  name: string,
  family: Family,
  id: number,
  ednsUdpSize: number = DNS_WIRE_DEFAULTS.ednsUdpSize,
): EncodeResult {
  const labels = (name.endsWith('.') ? name.slice(0, -1) : name).split('.');
  let nameLength = 1;
  for (const label of labels) {
    if (label.length === 0) return { ok: false, reason: 'empty label' };
    if (label.length > MAX_LABEL_LENGTH)
      return { ok: false, reason: `label longer than ${MAX_LABEL_LENGTH}` };
    for (let i = 0; i < label.length; i++) {
      if (label.charCodeAt(i) > ASCII_MAX) return { ok: false, reason: 'not an ASCII name' };
    }
    nameLength += 1 + label.length;
  }
  if (nameLength > MAX_NAME_WIRE_LENGTH) return { ok: false, reason: 'name too long' };
  const packet = Buffer.alloc(
    HEADER_LENGTH + nameLength + QUESTION_FIXED_LENGTH + (ednsUdpSize > 0 ? OPT_LENGTH : 0),
  );
  packet.writeUInt16BE(id, 0);
  packet.writeUInt16BE(FLAG_RD, 2);
  packet.writeUInt16BE(1, 4); // QDCOUNT
  packet.writeUInt16BE(ednsUdpSize > 0 ? 1 : 0, 10); // ARCOUNT
  let p = QUESTION_OFFSET;
  for (const label of labels) {
    packet[p++] = label.length;
    p += packet.write(label, p, 'latin1');
  }
  packet[p++] = 0;
  packet.writeUInt16BE(family === 4 ? TYPE_A : TYPE_AAAA, p);
  packet.writeUInt16BE(CLASS_IN, p + 2);
  p += QUESTION_FIXED_LENGTH;
  if (ednsUdpSize > 0) {
    // Root owner (the zero byte Buffer.alloc left), then type, class = UDP size; TTL and RDLENGTH 0.
    packet.writeUInt16BE(TYPE_OPT, p + 1);
    packet.writeUInt16BE(ednsUdpSize, p + 3);
  }
  const key = nameKey(packet, QUESTION_OFFSET)!;
  const wire = Buffer.from(`${key}\0`, 'latin1');
  return { ok: true, question: { id, name, family, packet, key, wire } };
}

/**
 * The same question under a new id, on a copy of its packet: a poll asks the same names again and
 * again, so the querier encodes each once (its labels, its lowercased key) and patches only the id.
 */
export function withId(question: DnsQuestion, id: number): DnsQuestion {
  const packet = Buffer.from(question.packet);
  packet.writeUInt16BE(id, 0);
  return { ...question, id, packet };
}

export type ParsedResponse =
  /** Not an answer to this question (another id, a query, another question): keep waiting. */
  | { readonly kind: 'ignored'; readonly reason: string }
  /** Our answer, but not well-formed. */
  | { readonly kind: 'garbled'; readonly reason: string }
  /** TC set: ask again over TCP. */
  | { readonly kind: 'truncated' }
  | { readonly kind: 'rcode'; readonly rcode: number }
  /** NOERROR; no accepted record is NODATA. */
  | { readonly kind: 'answer'; readonly answer: AddressAnswer };

const garbled = (reason: string): ParsedResponse => ({ kind: 'garbled', reason });
const ignored = (reason: string): ParsedResponse => ({ kind: 'ignored', reason });

/**
 * Checks that `packet` answers `question` and collects its addresses: A or AAAA records (class IN)
 * owned by the question name or by a CNAME target chained from it; other records are skipped.
 * With `acceptTruncated` (a TCP answer) the TC bit is not looked at.
 */
export function parseResponse(
  packet: Uint8Array,
  question: DnsQuestion,
  acceptTruncated = false,
): ParsedResponse {
  const end = packet.length;
  if (end < HEADER_LENGTH) return ignored('shorter than a DNS header');
  if (u16(packet, 0) !== question.id) return ignored('another id');
  const flags = u16(packet, 2);
  if ((flags & FLAG_QR) === 0) return ignored('a query, not a response');
  if (((flags >> OPCODE_SHIFT) & OPCODE_MASK) !== 0) return ignored('not a standard query');
  const rcode = flags & RCODE_MASK;
  const qdcount = u16(packet, 4);
  const ancount = u16(packet, 6);
  // Some servers leave the question out of an error answer: the id and the source address match.
  if (qdcount === 0 && rcode !== RCODE.NOERROR) return { kind: 'rcode', rcode };
  if (qdcount !== 1) return ignored(`${qdcount} questions`);
  const key = nameKey(packet, QUESTION_OFFSET);
  if (key === undefined) return garbled('bad question name');
  let p = skipName(packet, QUESTION_OFFSET);
  if (p < 0 || p + QUESTION_FIXED_LENGTH > end) return garbled('question cut short');
  if (key !== question.key) return ignored('another question name');
  const wanted = question.family === 4 ? TYPE_A : TYPE_AAAA;
  if (u16(packet, p) !== wanted || u16(packet, p + 2) !== CLASS_IN) return ignored('another question type');
  p += QUESTION_FIXED_LENGTH;
  if ((flags & FLAG_TC) !== 0 && !acceptTruncated) return { kind: 'truncated' };
  if (rcode !== RCODE.NOERROR) return { kind: 'rcode', rcode };
  return walkAnswers(packet, p, ancount, question, wanted);
}

/** Names seen in one answer section, numbered; 0 is the question name. */
class NameTable {
  private readonly ids = new Map<string, number>();
  /** Offset where a name starts → its number, so compressed owners are looked up, not re-read. */
  private readonly byOffset = new Map<number, number>();

  constructor(private readonly question: DnsQuestion) {
    this.ids.set(question.key, 0);
    this.byOffset.set(QUESTION_OFFSET, 0);
  }

  get size(): number {
    return this.ids.size;
  }

  /** The number of the name at `offset`, or -1 when it is garbled. */
  idAt(packet: Uint8Array, offset: number): number {
    let start = offset;
    if ((packet[offset]! & LABEL_KIND_MASK) === POINTER_KIND) {
      start = pointerTarget(packet, offset);
      if (start < 0 || start >= offset) return -1;
      if (start === QUESTION_OFFSET) return 0;
    } else if (isWireName(packet, offset, this.question.wire)) {
      // Servers that do not compress repeat the question name in full in every record.
      return 0;
    }
    const cached = this.byOffset.get(start);
    if (cached !== undefined) return cached;
    const key = nameKey(packet, start);
    if (key === undefined) return -1;
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(key, id);
    }
    this.byOffset.set(start, id);
    return id;
  }
}

function walkAnswers(
  packet: Uint8Array,
  start: number,
  ancount: number,
  question: DnsQuestion,
  wanted: number,
): ParsedResponse {
  const end = packet.length;
  // Checked before sizing the arrays: a short packet claiming 65535 answers allocates nothing.
  if (ancount * MIN_RR_LENGTH > end - start) return garbled(`${ancount} answers cannot fit`);
  const length = wanted === TYPE_A ? IPV4_LENGTH : IPV6_LENGTH;
  const names = new NameTable(question);
  const owners = new Int32Array(ancount);
  const offsets = new Uint32Array(ancount);
  const ttls = new Uint32Array(ancount);
  let cnames: Map<number, number> | undefined;
  let count = 0;
  let p = start;
  for (let i = 0; i < ancount; i++) {
    if (p >= end) return garbled(`answer ${i + 1} of ${ancount} missing`);
    const owner = names.idAt(packet, p);
    p = skipName(packet, p);
    if (owner < 0 || p < 0) return garbled(`answer ${i + 1}: bad owner name`);
    if (p + RR_FIXED_LENGTH > end) return garbled(`answer ${i + 1} cut short`);
    const type = u16(packet, p);
    const klass = u16(packet, p + 2);
    const ttl = u32(packet, p + 4);
    const rdlength = u16(packet, p + 8);
    const rdata = p + RR_FIXED_LENGTH;
    p = rdata + rdlength;
    if (p > end) return garbled(`answer ${i + 1}: data cut short`);
    if (klass !== CLASS_IN) continue;
    if (type === wanted) {
      if (rdlength !== length) return garbled(`answer ${i + 1}: ${rdlength}-byte address`);
      owners[count] = owner;
      offsets[count] = rdata;
      ttls[count] = ttl > MAX_TTL ? 0 : ttl;
      count++;
    } else if (type === TYPE_CNAME) {
      const target = rdlength > 0 ? names.idAt(packet, rdata) : -1;
      const targetEnd = target < 0 ? -1 : skipName(packet, rdata);
      if (targetEnd < 0 || targetEnd > p) return garbled(`answer ${i + 1}: bad CNAME target`);
      cnames ??= new Map();
      if (!cnames.has(owner)) cnames.set(owner, target);
    }
  }
  const accepted = cnames ? chainFrom(cnames, names.size) : undefined;
  let kept = 0;
  for (let i = 0; i < count; i++) {
    if (accepted ? accepted[owners[i]!] !== 1 : owners[i] !== 0) continue;
    offsets[kept] = offsets[i]!;
    ttls[kept] = ttls[i]!;
    kept++;
  }
  const answer = new AddressAnswer(
    packet,
    question.family,
    offsets.subarray(0, kept),
    ttls.subarray(0, kept),
  );
  return { kind: 'answer', answer };
}

/** Marks the question name and the CNAME targets chained from it. */
function chainFrom(cnames: ReadonlyMap<number, number>, size: number): Uint8Array {
  const chain = new Uint8Array(size);
  let id: number | undefined = 0;
  for (let hops = 0; id !== undefined && chain[id] !== 1; hops++) {
    chain[id] = 1;
    if (hops === DNS_WIRE_DEFAULTS.maxCnameChain) break;
    id = cnames.get(id);
  }
  return chain;
}

/** Where a compression pointer at `offset` leads; -1 when it is cut short. */
function pointerTarget(packet: Uint8Array, offset: number): number {
  if (offset + 1 >= packet.length) return -1;
  return ((packet[offset]! & POINTER_HIGH_MASK) << 8) | packet[offset + 1]!;
}

/** The offset after the name at `offset` (its last label or its pointer), or -1 when garbled. */
function skipName(packet: Uint8Array, offset: number): number {
  let p = offset;
  for (;;) {
    if (p >= packet.length) return -1;
    const length = packet[p]!;
    if (length === 0) return p + 1;
    const kind = length & LABEL_KIND_MASK;
    if (kind === POINTER_KIND) return p + 2 <= packet.length ? p + 2 : -1;
    if (kind !== 0) return -1;
    p += 1 + length;
  }
}

/** Whether the uncompressed name at `offset` is `wire` (lowercase), ignoring case. */
function isWireName(packet: Uint8Array, offset: number, wire: Uint8Array): boolean {
  if (offset + wire.length > packet.length) return false;
  for (let i = 0; i < wire.length; i++) {
    const c = packet[offset + i]!;
    if ((c >= UPPER_A && c <= UPPER_Z ? c | LOWERCASE_BIT : c) !== wire[i]) return false;
  }
  return true;
}

const keyScratch = Buffer.alloc(MAX_NAME_WIRE_LENGTH);

/**
 * The name at `offset` with pointers followed, lowercased, in wire form; undefined when garbled.
 * Each pointer must lead before the start of the labels it ends, so pointers cannot loop, and the
 * whole name stays within 255 octets.
 */
function nameKey(packet: Uint8Array, offset: number): string | undefined {
  let p = offset;
  let segmentStart = offset;
  let length = 0;
  for (;;) {
    if (p >= packet.length) return undefined;
    const labelLength = packet[p]!;
    if (labelLength === 0) break;
    const kind = labelLength & LABEL_KIND_MASK;
    if (kind === POINTER_KIND) {
      const target = pointerTarget(packet, p);
      if (target < 0 || target >= segmentStart) return undefined;
      p = target;
      segmentStart = target;
      continue;
    }
    if (kind !== 0) return undefined;
    if (p + 1 + labelLength > packet.length || length + 1 + labelLength + 1 > MAX_NAME_WIRE_LENGTH)
      return undefined;
    keyScratch[length++] = labelLength;
    for (let i = 1; i <= labelLength; i++) {
      const c = packet[p + i]!;
      keyScratch[length++] = c >= UPPER_A && c <= UPPER_Z ? c | LOWERCASE_BIT : c;
    }
    p += 1 + labelLength;
  }
  return keyScratch.toString('latin1', 0, length);
}
