import type { Logger } from '../common/logger.js';
import { grpcLogger } from './adapter.js';

let sink: Logger = grpcLogger;

/** Sends the SDK's log lines elsewhere (your logger), or back to grpc-js's with no argument. */
export function setLogger(logger?: Logger): void {
  sink = logger ?? grpcLogger;
}

/** Forwards to whatever sink is current, so a later setLogger() reaches resolvers already built. */
export const log: Logger = Object.freeze({
  warn: (m: string) => sink.warn(m),
  info: (m: string) => sink.info(m),
  debug: (m: string) => sink.debug(m),
});

const warned = new Set<string>();
/** Distinct lines remembered; past this the memory starts afresh (a line may then repeat once). */
const MAX_WARNED_LINES = 100;

/** Setup mistakes are worth one line per process, not one per channel (or per config parse). */
export function warnOnce(message: string): void {
  if (warned.has(message)) return;
  if (warned.size >= MAX_WARNED_LINES) warned.clear();
  warned.add(message);
  log.warn(message);
}
