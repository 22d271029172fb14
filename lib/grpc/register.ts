import { createRequire } from 'node:module';
import type { Logger } from '../common/logger.js';
import { THICK_P2C, THICK_POLICIES, THICK_ROUND_ROBIN } from '../config/policy.js';
import { SCHEME } from '../discovery/target.js';
import {
  grpcJs,
  isPolicyRegistered,
  isSameGrpcInstance,
  METADATA_OPTIONS_SHARED,
  registerPolicy,
  registerResolver,
  ThickSetupError,
} from './adapter.js';
import { log, setLogger } from './log.js';
import { DnsPollResolver } from './resolver.js';
import { ThickP2c, ThickP2cConfig } from './thick-p2c.js';
import { ThickRoundRobin, ThickRoundRobinConfig } from './thick-round-robin.js';

export interface RegisterOptions {
  /**
   * The app's own `@grpc/grpc-js` module (`import * as grpc from '@grpc/grpc-js'`). When given, it is
   * checked by identity; otherwise the copy the app's directory resolves to is compared by path.
   */
  grpc?: unknown;
  /** Where our log lines go (default: grpc-js's logger and the `thick_client` tracer). */
  logger?: Logger;
}

/** The names `register()` adds to grpc-js. */
export const REGISTERED = Object.freeze({ scheme: SCHEME, policies: THICK_POLICIES });

let registered = false;

/**
 * Registers the `dns-poll` resolver and the thick policies with grpc-js. Idempotent. Throws a
 * ThickSetupError when the app would load a different copy of grpc-js than ours: registries are
 * per module instance, so the app's channels would never see our resolver or policies.
 */
export function register(options: RegisterOptions = {}): void {
  if (options.logger) setLogger(options.logger);
  if (registered && options.grpc === undefined) return;
  checkSameInstance(options.grpc);
  if (registered) return;
  registerResolver(SCHEME, DnsPollResolver);
  registerPolicy(THICK_ROUND_ROBIN, ThickRoundRobin, ThickRoundRobinConfig);
  registerPolicy(THICK_P2C, ThickP2c, ThickP2cConfig);
  for (const name of REGISTERED.policies) {
    if (!isPolicyRegistered(name)) {
      throw new ThickSetupError(`registering "${name}" did not reach @grpc/grpc-js at ${grpcJs.path}`);
    }
  }
  registered = true;
  if (!METADATA_OPTIONS_SHARED) {
    log.warn(
      `@grpc/grpc-js ${grpcJs.version} no longer passes metadata options along with copies of the metadata: ` +
        'calls go untagged, so retries are not cut short at the deadline and thick_p2c takes streams for slow calls',
    );
  }
}

function checkSameInstance(appGrpc: unknown): void {
  if (appGrpc !== undefined) {
    if (!isSameGrpcInstance(appGrpc)) {
      throw new ThickSetupError(
        `the @grpc/grpc-js module passed to register() is not the one grpc-thick-client loads (${grpcJs.path}). ` +
          'Two copies are installed; our resolver and policies would be invisible to your channels. ' +
          'Run `npm ls @grpc/grpc-js` and make both resolve to one copy (npm dedupe, or one version range ~1.14).',
      );
    }
    return;
  }
  const entry = appEntry();
  const appPath = entry === undefined ? undefined : resolveFrom(entry);
  if (appPath !== undefined && appPath !== grpcJs.path) {
    throw new ThickSetupError(
      `your app (${entry}) resolves @grpc/grpc-js to ${appPath}, but grpc-thick-client loads ${grpcJs.path}. ` +
        'With two copies, the resolver and policies registered here are invisible to your channels. ' +
        'Run `npm ls @grpc/grpc-js` and dedupe to one copy (grpc-thick-client declares it as a peer dependency ~1.14). ' +
        'If your app does use our copy and this guess is wrong, call register({ grpc }) with your module instead.',
    );
  }
  // The app may load its grpc-js after this import: look again once the current imports are done.
  setImmediate(warnIfSeveralCopiesLoaded);
}

/** The app's entry file: CommonJS main module, or the script node was started with (ESM). */
function appEntry(): string | undefined {
  return require.main?.filename ?? process.argv[1];
}

/** The grpc-js package.json a file resolves to, or undefined if none is reachable from it. */
function resolveFrom(file: string): string | undefined {
  try {
    return createRequire(file).resolve('@grpc/grpc-js/package.json');
  } catch {
    return undefined;
  }
}

const GRPC_JS_ENTRY = /[\\/]@grpc[\\/]grpc-js[\\/]build[\\/]src[\\/]index\.js$/;

function warnIfSeveralCopiesLoaded(): void {
  const copies = Object.keys(require.cache).filter((file) => GRPC_JS_ENTRY.test(file));
  if (copies.length > 1) {
    log.warn(
      `${copies.length} copies of @grpc/grpc-js are loaded (${copies.join(', ')}); channels made with a copy other than ` +
        `${grpcJs.path} cannot use dns-poll targets or thick policies. Run \`npm ls @grpc/grpc-js\` and dedupe.`,
    );
  }
}
