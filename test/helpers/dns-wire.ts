// DNS responses for the wire parser's tests: in full through dns-packet (which never compresses
// names, like the in-process server), or with RFC 1035 compression as CoreDNS sends them.
import * as dnsPacket from 'dns-packet';

export interface WireRecord {
  readonly name: string;
  readonly type: 'A' | 'AAAA' | 'CNAME' | 'TXT';
  readonly data: string;
  readonly ttl?: number;
  /** 1 (IN) unless given. */
  readonly klass?: number;
}

export interface ResponseSpec {
  readonly id: number;
  readonly question: { readonly name: string; readonly type: 'A' | 'AAAA' };
  readonly answers?: readonly WireRecord[];
  /** Header flags besides QR (which is set unless `query`): TC, RD, the RCODE in the low bits. */
  readonly flags?: number;
  /** A query (QR = 0) instead of a response. */
  readonly query?: boolean;
}

/** dns-packet's record codecs, which its type declarations leave out. */
const codecs = dnsPacket as unknown as Record<'a' | 'aaaa', { encode(address: string): Buffer }>;

/** The 4 or 16 bytes of an IPv4 or IPv6 address. */
export function addressBytes(address: string): Buffer {
  return codecs[address.includes(':') ? 'aaaa' : 'a'].encode(address).subarray(2);
}

const TYPE_CODES = { A: 1, CNAME: 5, TXT: 16, AAAA: 28 } as const;
const QR = 0x8000;
const POINTER = 0xc000;
const DEFAULT_TTL = 5;

/** The response with names in full, through dns-packet. */
export function plainResponse(spec: ResponseSpec): Buffer {
  return dnsPacket.encode({
    type: spec.query ? 'query' : 'response',
    id: spec.id,
    // dns-packet takes the RCODE from the flags' low bits; it sets QR itself from `type`.
    flags: spec.flags ?? 0,
    questions: [{ name: spec.question.name, type: spec.question.type, class: 'IN' }],
    answers: (spec.answers ?? []).map((r) => {
      const klass = r.klass === undefined || r.klass === 1 ? 'IN' : 'CH';
      const ttl = r.ttl ?? DEFAULT_TTL;
      if (r.type === 'TXT') return { name: r.name, type: 'TXT', class: klass, ttl, data: r.data };
      return { name: r.name, type: r.type, class: klass, ttl, data: r.data } as dnsPacket.Answer;
    }),
  });
}

/** The response with every name compressed against the names written before it. */
export function compressedResponse(spec: ResponseSpec): Buffer {
  const bytes: number[] = [];
  const suffixes = new Map<string, number>();
  const u16 = (v: number) => bytes.push((v >> 8) & 0xff, v & 0xff);
  const u32 = (v: number) => {
    u16(Math.floor(v / 0x10000));
    u16(v & 0xffff);
  };
  const name = (text: string) => {
    const labels = text.replace(/\.$/, '').split('.');
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join('.').toLowerCase();
      const at = suffixes.get(suffix);
      if (at !== undefined) return u16(POINTER | at);
      suffixes.set(suffix, bytes.length);
      bytes.push(labels[i]!.length, ...Buffer.from(labels[i]!, 'latin1'));
    }
    bytes.push(0);
  };
  const answers = spec.answers ?? [];
  u16(spec.id);
  u16((spec.query ? 0 : QR) | (spec.flags ?? 0));
  u16(1);
  u16(answers.length);
  u16(0);
  u16(0);
  name(spec.question.name);
  u16(TYPE_CODES[spec.question.type]);
  u16(1);
  for (const r of answers) {
    name(r.name);
    u16(TYPE_CODES[r.type]);
    u16(r.klass ?? 1);
    u32(r.ttl ?? DEFAULT_TTL);
    const lengthAt = bytes.length;
    u16(0);
    if (r.type === 'A' || r.type === 'AAAA') bytes.push(...addressBytes(r.data));
    else if (r.type === 'CNAME') name(r.data);
    else bytes.push(r.data.length, ...Buffer.from(r.data, 'latin1'));
    const length = bytes.length - lengthAt - 2;
    bytes[lengthAt] = length >> 8;
    bytes[lengthAt + 1] = length & 0xff;
  }
  return Buffer.from(bytes);
}

/** `n` distinct IPv4 addresses in 10.1.0.0/16. */
export function ipv4Range(n: number, offset = 0): string[] {
  return Array.from({ length: n }, (_, i) => `10.1.${(i + offset) >> 8}.${(i + offset) & 0xff}`);
}

/** A Fisher-Yates shuffle with the given random source. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
