/** gRPC status codes (grpc/doc/statuscodes.md): a stable part of the protocol, so pure code keeps its own table. */
export const STATUS_CODES: Readonly<Record<string, number>> = Object.freeze({
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
});

export const CANCELLED_CODE = STATUS_CODES.CANCELLED!;
export const DEADLINE_EXCEEDED_CODE = STATUS_CODES.DEADLINE_EXCEEDED!;

export function statusName(code: number): string {
  return Object.entries(STATUS_CODES).find(([, c]) => c === code)?.[0] ?? String(code);
}
