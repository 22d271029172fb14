// Offline validation of the kind suite's files against the Kubernetes OpenAPI schemas (compiled by
// kubernetes-models), made strict as `kubectl apply --validate=strict` is: the schemas accept
// unknown fields, so a misspelt one (`clusterIp`, `readinesProbe`) would pass silently.

type ValidateFunction = ((data: unknown) => boolean) & {
  errors?: readonly { instancePath: string; keyword: string; params: Record<string, unknown> }[] | null;
};

/** The compiled schema of each kind the suite applies. */
async function schemaFor(apiVersion: unknown, kind: unknown): Promise<ValidateFunction | undefined> {
  switch (`${apiVersion}/${kind}`) {
    case 'v1/Service':
      return (await import('kubernetes-models/_schemas/IoK8sApiCoreV1Service')).validate as ValidateFunction;
    case 'apps/v1/Deployment':
      return (await import('kubernetes-models/_schemas/IoK8sApiAppsV1Deployment'))
        .validate as ValidateFunction;
    case 'batch/v1/Job':
      return (await import('kubernetes-models/_schemas/IoK8sApiBatchV1Job')).validate as ValidateFunction;
    default:
      return undefined;
  }
}

interface TrackedObject {
  readonly path: string;
  readonly keys: readonly string[];
  readonly read: Set<string>;
}

/**
 * A copy whose objects record which of their keys the validator read. The compiled schemas read
 * every property they know (and every key of a map); a key never read is one the schema lacks.
 */
function tracked(value: unknown, path: string, objects: TrackedObject[]): unknown {
  if (Array.isArray(value)) return value.map((v, i) => tracked(v, `${path}/${i}`, objects));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  const read = new Set<string>();
  objects.push({ path, keys: entries.map(([k]) => k), read });
  const copy = Object.fromEntries(entries.map(([k, v]) => [k, tracked(v, `${path}/${k}`, objects)]));
  return new Proxy(copy, {
    get(target, key, receiver) {
      if (typeof key === 'string') read.add(key);
      return Reflect.get(target, key, receiver);
    },
  });
}

function describeError(e: NonNullable<ValidateFunction['errors']>[number]): string {
  const where = e.instancePath || '/';
  const detail = Object.entries(e.params)
    .map(([k, v]) => `${k} ${JSON.stringify(v)}`)
    .join(', ');
  return `${where}: ${e.keyword}${detail ? ` (${detail})` : ''}`;
}

/** Schema errors and unknown fields of one Kubernetes object; [] when it is valid. */
export async function kubernetesSchemaProblems(object: unknown, file: string): Promise<string[]> {
  const o = object as { apiVersion?: unknown; kind?: unknown } | null;
  const validate = await schemaFor(o?.apiVersion, o?.kind);
  if (!validate) return [`${file}: no schema for apiVersion ${o?.apiVersion} kind ${o?.kind}`];
  const objects: TrackedObject[] = [];
  const valid = validate(tracked(object, '', objects));
  if (!valid) return (validate.errors ?? []).map((e) => `${file}: ${describeError(e)}`);
  return objects.flatMap(({ path, keys, read }) =>
    keys.filter((k) => !read.has(k)).map((k) => `${file}: ${path}/${k}: unknown field`),
  );
}

const KIND_NODE_ROLES = ['control-plane', 'worker'];
const KIND_CLUSTER_FIELDS = [
  'kind',
  'apiVersion',
  'name',
  'nodes',
  'networking',
  'featureGates',
  'runtimeConfig',
];
const KIND_NODE_FIELDS = [
  'role',
  'image',
  'labels',
  'extraMounts',
  'extraPortMappings',
  'kubeadmConfigPatches',
];

/** The kind cluster config (kind.x-k8s.io/v1alpha4, which has no published schema): its shape. */
export function kindConfigProblems(config: unknown, file: string): string[] {
  const problems: string[] = [];
  const c = (config ?? {}) as Record<string, unknown>;
  if (c.kind !== 'Cluster') problems.push(`${file}: kind must be Cluster`);
  if (c.apiVersion !== 'kind.x-k8s.io/v1alpha4')
    problems.push(`${file}: apiVersion must be kind.x-k8s.io/v1alpha4`);
  for (const key of Object.keys(c)) {
    if (!KIND_CLUSTER_FIELDS.includes(key)) problems.push(`${file}: /${key}: unknown field`);
  }
  const nodes = Array.isArray(c.nodes) ? (c.nodes as Record<string, unknown>[]) : [];
  if (nodes.filter((n) => n.role === 'control-plane').length < 1) {
    problems.push(`${file}: nodes needs a control-plane node`);
  }
  nodes.forEach((node, i) => {
    if (!KIND_NODE_ROLES.includes(String(node.role)))
      problems.push(`${file}: /nodes/${i}/role: ${node.role}`);
    for (const key of Object.keys(node)) {
      if (!KIND_NODE_FIELDS.includes(key)) problems.push(`${file}: /nodes/${i}/${key}: unknown field`);
    }
  });
  return problems;
}
