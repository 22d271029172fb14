/**
 * grpc.health.v1 messages in protobuf wire format, by hand: two one-field messages do not need a
 * protobuf runtime, and the client watch and the server helper share them. Checked against
 * protobufjs and protos/health.proto in the tests.
 */
const STRING_FIELD_1 = 0x0a;
const VARINT_FIELD_1 = 0x08;
const VARINT_MORE = 0x80;
const VARINT_BITS = 0x7f;
const VARINT_SHIFT = 7;

/** HealthCheckResponse.ServingStatus */
export const SERVING_STATUS = Object.freeze({ UNKNOWN: 0, SERVING: 1, NOT_SERVING: 2, SERVICE_UNKNOWN: 3 });

/** HealthCheckRequest { string service = 1; } */
export function encodeHealthRequest(service: string): Buffer {
  const body = Buffer.from(service, 'utf8');
  if (body.length === 0) return Buffer.alloc(0);
  return Buffer.concat([Buffer.from([STRING_FIELD_1]), encodeVarint(body.length), body]);
}

export function decodeHealthRequest(message: Buffer): string {
  if (message[0] !== STRING_FIELD_1) return '';
  const [length, start] = decodeVarint(message, 1);
  return message.subarray(start, start + length).toString('utf8');
}

/** HealthCheckResponse { ServingStatus status = 1; } */
export function encodeHealthStatus(status: number): Buffer {
  return status === 0
    ? Buffer.alloc(0)
    : Buffer.concat([Buffer.from([VARINT_FIELD_1]), encodeVarint(status)]);
}

/** The status, 0 (UNKNOWN) when absent. */
export function decodeHealthStatus(message: Buffer): number {
  if (message[0] !== VARINT_FIELD_1) return SERVING_STATUS.UNKNOWN;
  return decodeVarint(message, 1)[0];
}

function encodeVarint(value: number): Buffer {
  const bytes: number[] = [];
  let v = value;
  while (v > VARINT_BITS) {
    bytes.push((v & VARINT_BITS) | VARINT_MORE);
    v >>>= VARINT_SHIFT;
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

function decodeVarint(buffer: Buffer, start: number): [number, number] {
  let value = 0;
  let shift = 0;
  let i = start;
  while (i < buffer.length) {
    const byte = buffer[i++]!;
    value |= (byte & VARINT_BITS) << shift;
    if ((byte & VARINT_MORE) === 0) break;
    shift += VARINT_SHIFT;
  }
  return [value, i];
}
