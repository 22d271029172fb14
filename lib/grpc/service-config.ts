import { ThickConfigError } from '../config/errors.js';
import { closest } from '../config/fields.js';
import { THICK_POLICIES } from '../config/policy.js';
import { isPolicyRegistered, parseLoadBalancingConfig } from './adapter.js';

const PICK_FIRST = 'pick_first';

/**
 * Checks `grpc.service_config` the way the channel will read it, but loudly: grpc-js skips an
 * entry it cannot parse and silently falls back to pick_first (every call to one pod). Returns the
 * name of the policy the channel will use.
 */
export function checkServiceConfig(serviceConfig: unknown): string {
  if (serviceConfig === undefined) return PICK_FIRST;
  if (typeof serviceConfig !== 'string') {
    throw new ThickConfigError(
      'grpc.service_config',
      'channel option "grpc.service_config" must be a JSON string',
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(serviceConfig);
  } catch (error) {
    throw new ThickConfigError(
      'grpc.service_config',
      `channel option "grpc.service_config" is not valid JSON: ${(error as Error).message}`,
    );
  }
  const { loadBalancingConfig: list, loadBalancingPolicy } =
    (parsed as { loadBalancingConfig?: unknown; loadBalancingPolicy?: unknown } | null) ?? {};
  if (list === undefined) {
    if (loadBalancingPolicy !== undefined) {
      throw new ThickConfigError(
        'loadBalancingPolicy',
        `grpc-js ignores "loadBalancingPolicy" (it would use pick_first); write "loadBalancingConfig": [{${JSON.stringify(loadBalancingPolicy)}: {}}] instead`,
      );
    }
    return PICK_FIRST;
  }
  if (!Array.isArray(list)) {
    throw new ThickConfigError(
      'loadBalancingConfig',
      '"loadBalancingConfig" must be an array of {"<policy>": {...}}',
    );
  }
  for (const entry of list) {
    if (
      typeof entry !== 'object' ||
      entry === null ||
      Array.isArray(entry) ||
      Object.keys(entry).length !== 1
    ) {
      throw new ThickConfigError(
        'loadBalancingConfig',
        `each loadBalancingConfig entry must be an object with exactly one key (the policy name), got ${JSON.stringify(entry)}`,
      );
    }
    const name = Object.keys(entry)[0]!;
    if (!isPolicyRegistered(name)) {
      const meant = closest(name, THICK_POLICIES) ?? (/^thick/i.test(name) ? THICK_POLICIES[0] : undefined);
      if (meant) {
        throw new ThickConfigError(
          name,
          `unknown load-balancing policy "${name}" (did you mean "${meant}"?); grpc-js would skip it and fall back to pick_first`,
        );
      }
      continue; // grpc-js skips unknown names; so do we
    }
    try {
      parseLoadBalancingConfig(entry as Record<string, object>);
    } catch (error) {
      if (error instanceof ThickConfigError) throw error;
      throw new ThickConfigError(
        name,
        `the "${name}" entry of loadBalancingConfig is invalid (${(error as Error).message}); grpc-js would silently ignore it and fall back to pick_first`,
      );
    }
    return name;
  }
  return PICK_FIRST;
}
