// Name compression for the in-process DNS server's answers (RFC 1035 §4.1.4), as CoreDNS and
// dnsmasq do it for the records a headless Service's answer holds: an owner name equal to the
// question's becomes a 2-byte pointer to it. dns-packet writes every name in full, which made a
// 1000-pod answer 45 KB instead of about 16 KB and gave clients work no real server gives them.

const HEADER_LENGTH = 12;
const POINTER_TO_QUESTION = [0xc0, 0x0c] as const;
/** Type, class, TTL and RDLENGTH after a record's owner name. */
const RR_FIXED_LENGTH = 10;
const LABEL_KIND_MASK = 0xc0;
const ASCII_CASE_BIT = 0x20;
const UPPER_A = 0x41;
const UPPER_Z = 0x5a;

/** The packet with every record owner equal to the question name written as a pointer to it. */
export function compressOwners(packet: Buffer): Buffer {
  if (packet.length < HEADER_LENGTH || packet.readUInt16BE(4) !== 1) return packet;
  const questionEnd = nameEnd(packet, HEADER_LENGTH);
  if (questionEnd < 0) return packet;
  const records = packet.readUInt16BE(6) + packet.readUInt16BE(8) + packet.readUInt16BE(10);
  const parts: Buffer[] = [packet.subarray(0, questionEnd + 4)];
  let p = questionEnd + 4;
  for (let i = 0; i < records; i++) {
    const ownerEnd = nameEnd(packet, p);
    if (ownerEnd < 0 || ownerEnd + RR_FIXED_LENGTH > packet.length) return packet;
    const recordEnd = ownerEnd + RR_FIXED_LENGTH + packet.readUInt16BE(ownerEnd + 8);
    if (recordEnd > packet.length) return packet;
    const sameName = sameWireName(packet, HEADER_LENGTH, questionEnd, p, ownerEnd);
    parts.push(sameName ? Buffer.from(POINTER_TO_QUESTION) : packet.subarray(p, ownerEnd));
    parts.push(packet.subarray(ownerEnd, recordEnd));
    p = recordEnd;
  }
  return p === packet.length ? Buffer.concat(parts) : packet;
}

/** The offset after the uncompressed name at `offset`, or -1 (a pointer, or cut short). */
function nameEnd(packet: Buffer, offset: number): number {
  let p = offset;
  while (p < packet.length) {
    const length = packet[p]!;
    if (length === 0) return p + 1;
    if ((length & LABEL_KIND_MASK) !== 0) return -1;
    p += 1 + length;
  }
  return -1;
}

/** Names compare without regard to ASCII case (RFC 4343); length octets compare exactly. */
function sameWireName(packet: Buffer, aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
  if (aEnd - aStart !== bEnd - bStart) return false;
  for (let i = 0; i < aEnd - aStart; i++) {
    if (lower(packet[aStart + i]!) !== lower(packet[bStart + i]!)) return false;
  }
  return true;
}

function lower(byte: number): number {
  return byte >= UPPER_A && byte <= UPPER_Z ? byte | ASCII_CASE_BIT : byte;
}
