/**
 * Where the SDK's log lines go. The default sink (set up by register()) writes through grpc-js's
 * logger and tracer, so GRPC_VERBOSITY / GRPC_TRACE=thick_client control them like grpc-js's own.
 * No line is written per call.
 */
export interface Logger {
  /** Something an operator should see once (DNS failing, a drain cut short). */
  warn(message: string): void;
  /** A state change worth a line (recovery, endpoints added/removed). */
  info(message: string): void;
  /** Detail for debugging, only written when tracing is on. */
  debug(message: string): void;
}

export const silentLogger: Logger = Object.freeze({ warn() {}, info() {}, debug() {} });
