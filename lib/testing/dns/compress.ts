// Name compression for the in-process DNS server's answers (RFC 1035 §4.1.4), as CoreDNS and
// dnsmasq do it for the records a headless Service's answer holds: an owner name equal to the
// question's becomes a 2-byte pointer to it. dns-packet writes every name in full, which made a
// 1000-pod answer 45 KB instead of about 16 KB and gave clients work no real server gives them.
import { nameKey, skipName } from '../../discovery/wire.js';

const HEADER_LENGTH = 12;
/** Type and class after the question name. */
const QUESTION_FIXED_LENGTH = 4;
const POINTER_TO_QUESTION = [0xc0, HEADER_LENGTH] as const;
/** Type, class, TTL and RDLENGTH after a record's owner name. */
const RR_FIXED_LENGTH = 10;
const RDLENGTH_OFFSET = 8;

/** The packet with every record owner equal to the question name (any case) written as a pointer to it. */
export function compressOwners(packet: Buffer): Buffer {
  if (packet.length < HEADER_LENGTH || packet.readUInt16BE(4) !== 1) return packet;
  const questionKey = nameKey(packet, HEADER_LENGTH);
  const questionEnd = skipName(packet, HEADER_LENGTH);
  if (questionKey === undefined || questionEnd < 0) return packet;
  const records = packet.readUInt16BE(6) + packet.readUInt16BE(8) + packet.readUInt16BE(10);
  let p = questionEnd + QUESTION_FIXED_LENGTH;
  const parts: Buffer[] = [packet.subarray(0, p)];
  for (let i = 0; i < records; i++) {
    const ownerEnd = skipName(packet, p);
    if (ownerEnd < 0 || ownerEnd + RR_FIXED_LENGTH > packet.length) return packet;
    const recordEnd = ownerEnd + RR_FIXED_LENGTH + packet.readUInt16BE(ownerEnd + RDLENGTH_OFFSET);
    if (recordEnd > packet.length) return packet;
    const sameName = nameKey(packet, p) === questionKey;
    parts.push(sameName ? Buffer.from(POINTER_TO_QUESTION) : packet.subarray(p, ownerEnd));
    parts.push(packet.subarray(ownerEnd, recordEnd));
    p = recordEnd;
  }
  return p === packet.length ? Buffer.concat(parts) : packet;
}
