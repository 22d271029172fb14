/** A configuration value was wrong. `field` names it exactly as the user wrote it. */
export class ThickConfigError extends Error {
  override readonly name = 'ThickConfigError';
  constructor(
    readonly field: string,
    /** The message without the "grpc-thick-client: " prefix, for wrapping in another. */
    readonly detail: string,
  ) {
    super(`grpc-thick-client: ${detail}`);
  }
}

/** A `dns-poll:` target could not be parsed. */
export class ThickTargetError extends Error {
  override readonly name = 'ThickTargetError';
  constructor(
    readonly target: string,
    message: string,
  ) {
    super(`grpc-thick-client: invalid target "${target}": ${message}`);
  }
}

export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value !== null) {
    try {
      return JSON.stringify(value);
    } catch {
      return String(value);
    }
  }
  return String(value);
}
