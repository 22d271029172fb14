import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Logger } from '../common/logger.js';
import { THICK_ROUND_ROBIN } from '../config/policy.js';
import { SCHEME } from '../discovery/target.js';
import {
  grpcJs,
  isPolicyRegistered,
  isSameGrpcInstance,
  registerPolicy,
  registerResolver,
  ThickSetupError,
} from './adapter.js';
import { setLogger } from './log.js';
import { DnsPollResolver } from './resolver.js';
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
export const REGISTERED = Object.freeze({ scheme: SCHEME, policies: Object.freeze([THICK_ROUND_ROBIN]) });

let registered = false;

/**
 * Registers the `dns-poll` resolver and the thick policies with grpc-js. Idempotent. Throws a
 * ThickSetupError when the app would load a different copy of grpc-js than ours: registries are
 * per module instance, so the app's channels would never see our resolver or policies.
 */
export function register(options: RegisterOptions = {}): void {
  if (options.logger) setLogger(options.logger);
  checkSameInstance(options.grpc);
  if (registered) return;
  registerResolver(SCHEME, DnsPollResolver);
  registerPolicy(THICK_ROUND_ROBIN, ThickRoundRobin, ThickRoundRobinConfig);
  for (const name of REGISTERED.policies) {
    if (!isPolicyRegistered(name)) {
      throw new ThickSetupError(`registering "${name}" did not reach @grpc/grpc-js at ${grpcJs.path}`);
    }
  }
  registered = true;
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
  const appPath = resolveFromApp();
  if (appPath !== undefined && appPath !== grpcJs.path) {
    throw new ThickSetupError(
      `your app resolves @grpc/grpc-js to ${appPath}, but grpc-thick-client loads ${grpcJs.path}. ` +
        'With two copies, the resolver and policies registered here are invisible to your channels. ' +
        'Run `npm ls @grpc/grpc-js` and dedupe to one copy (grpc-thick-client declares it as a peer dependency ~1.14), ' +
        'or pass your module explicitly: register({ grpc }).',
    );
  }
}

/** The grpc-js package.json the app's directory resolves to, or undefined if it has none of its own. */
function resolveFromApp(): string | undefined {
  try {
    return createRequire(join(process.cwd(), 'package.json')).resolve('@grpc/grpc-js/package.json');
  } catch {
    return undefined;
  }
}
