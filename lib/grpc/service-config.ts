import { ThickConfigError } from '../config/errors.js';
import { closest } from '../config/fields.js';
import { isThickPolicy, parseThickPolicyConfig, THICK_POLICIES } from '../config/policy.js';
import { isPolicyRegistered, parseLoadBalancingConfig } from './adapter.js';

const PICK_FIRST = 'pick_first';
/** Where a policy that wraps others keeps them (grpc-js's outlier_detection: child_policy). */
const CHILD_POLICY_KEYS = ['child_policy', 'childPolicy'] as const;

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
    const name = entryName(entry, 'loadBalancingConfig');
    if (!isThickPolicy(name) && !isPolicyRegistered(name)) {
      const meant = closest(name, THICK_POLICIES) ?? (/^thick/i.test(name) ? THICK_POLICIES[0] : undefined);
      if (meant) {
        throw new ThickConfigError(
          name,
          `unknown load-balancing policy "${name}" (did you mean "${meant}"?); grpc-js would skip it and fall back to pick_first`,
        );
      }
      continue; // grpc-js skips unknown names; so do we
    }
    checkEntry(name, (entry as Record<string, unknown>)[name], `"${name}"`);
    return name;
  }
  return PICK_FIRST;
}

/** The one key of a loadBalancingConfig entry (its policy name); throws for any other shape. */
function entryName(entry: unknown, where: string): string {
  if (
    typeof entry !== 'object' ||
    entry === null ||
    Array.isArray(entry) ||
    Object.keys(entry).length !== 1
  ) {
    throw new ThickConfigError(
      where,
      `each ${where} entry must be an object with exactly one key (the policy name), got ${JSON.stringify(entry)}`,
    );
  }
  return Object.keys(entry)[0]!;
}

/**
 * One entry, as grpc-js will parse it. A thick policy's config is parsed here, so its error is the
 * SDK's own; a thick policy nested in another (outlier_detection's child_policy) too, because
 * grpc-js reports a bad child only as "no valid recognized policy found".
 */
function checkEntry(name: string, config: unknown, path: string): void {
  const invalid = (detail: string): never => {
    throw new ThickConfigError(
      name,
      `the ${path} entry of loadBalancingConfig is invalid (${detail}); grpc-js would silently ignore it and fall back to pick_first`,
    );
  };
  if (isThickPolicy(name)) {
    try {
      parseThickPolicyConfig(name, config);
    } catch (error) {
      if (error instanceof ThickConfigError) invalid(error.detail);
      throw error;
    }
    return;
  }
  for (const key of CHILD_POLICY_KEYS) {
    const children = (config as Record<string, unknown> | null | undefined)?.[key];
    if (!Array.isArray(children)) continue;
    children.forEach((child, i) => {
      const childName = entryName(child, `${name}.${key}`);
      if (isThickPolicy(childName))
        checkEntry(
          childName,
          (child as Record<string, unknown>)[childName],
          `${path}.${key}[${i}] "${childName}"`,
        );
    });
  }
  try {
    parseLoadBalancingConfig({ [name]: config as object });
  } catch (error) {
    invalid((error as Error).message);
  }
}
