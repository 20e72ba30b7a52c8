/*
 * Which resource types the API serves: the built-in ones the simulator needs, plus one per served
 * version of every CustomResourceDefinition, added and removed as CRDs come and go.
 */
import type { KubeObject, ResourceType } from './types';
import { typeKey } from './ObjectStore';

/** The `apiVersion` of a type's objects: `group/version`, or `version` for the core group. */
export const apiVersionOf = (type: Pick<ResourceType, 'group' | 'version'>) =>
  type.group ? `${type.group}/${type.version}` : type.version;

const builtIn = (
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  extra: Partial<ResourceType> = {},
): ResourceType => ({
  group,
  version,
  kind,
  plural,
  singular: kind.toLowerCase(),
  namespaced,
  hasStatus: false,
  ...extra,
});

export const BUILT_IN_TYPES: ResourceType[] = [
  builtIn('', 'v1', 'Namespace', 'namespaces', false, {
    shortNames: ['ns'],
    hasStatus: true,
  }),
  builtIn('', 'v1', 'Secret', 'secrets', true),
  builtIn('', 'v1', 'ConfigMap', 'configmaps', true, { shortNames: ['cm'] }),
  builtIn('', 'v1', 'ServiceAccount', 'serviceaccounts', true, {
    shortNames: ['sa'],
    subresources: [
      {
        name: 'token',
        group: 'authentication.k8s.io',
        version: 'v1',
        kind: 'TokenRequest',
        verbs: ['create'],
      },
    ],
  }),
  builtIn('', 'v1', 'Event', 'events', true, { shortNames: ['ev'] }),
  builtIn('rbac.authorization.k8s.io', 'v1', 'Role', 'roles', true),
  builtIn(
    'rbac.authorization.k8s.io',
    'v1',
    'RoleBinding',
    'rolebindings',
    true,
  ),
  builtIn(
    'rbac.authorization.k8s.io',
    'v1',
    'ClusterRole',
    'clusterroles',
    false,
  ),
  builtIn(
    'rbac.authorization.k8s.io',
    'v1',
    'ClusterRoleBinding',
    'clusterrolebindings',
    false,
  ),
  // Access reviews are asked, not stored: create only, answered from RBAC.
  builtIn(
    'authorization.k8s.io',
    'v1',
    'SelfSubjectAccessReview',
    'selfsubjectaccessreviews',
    false,
    { verbs: ['create'] },
  ),
  builtIn(
    'authorization.k8s.io',
    'v1',
    'SubjectAccessReview',
    'subjectaccessreviews',
    false,
    { verbs: ['create'] },
  ),
  builtIn(
    'apiextensions.k8s.io',
    'v1',
    'CustomResourceDefinition',
    'customresourcedefinitions',
    false,
    {
      shortNames: ['crd', 'crds'],
      hasStatus: true,
    },
  ),
];

export const CRD_TYPE = BUILT_IN_TYPES.find(
  t => t.kind === 'CustomResourceDefinition',
)!;
export const NAMESPACE_TYPE = BUILT_IN_TYPES.find(t => t.kind === 'Namespace')!;
export const SECRET_TYPE = BUILT_IN_TYPES.find(t => t.kind === 'Secret')!;
export const SERVICE_ACCOUNT_TYPE = BUILT_IN_TYPES.find(
  t => t.kind === 'ServiceAccount',
)!;
export const EVENT_TYPE = BUILT_IN_TYPES.find(t => t.kind === 'Event')!;

export class ResourceRegistry {
  private readonly types = new Map<string, ResourceType>();
  /** The OpenAPI v3 schema of each CRD version, for validation and defaulting. */
  private readonly schemas = new Map<string, unknown>();

  constructor() {
    for (const type of BUILT_IN_TYPES) this.add(type);
  }

  private add(type: ResourceType, schema?: unknown) {
    const key = `${type.group}/${type.version}/${type.plural}`;
    this.types.set(key, type);
    if (schema) this.schemas.set(key, schema);
  }

  find(
    group: string,
    version: string,
    plural: string,
  ): ResourceType | undefined {
    return this.types.get(`${group}/${version}/${plural}`);
  }

  byKind(apiVersion: string, kind: string): ResourceType | undefined {
    const [group, version] = apiVersion.includes('/')
      ? apiVersion.split('/')
      : ['', apiVersion];
    for (const type of this.types.values()) {
      if (
        type.group === group &&
        type.version === version &&
        type.kind === kind
      )
        return type;
    }
    return undefined;
  }

  /** Any served version of a type, by the store's key (`group/plural`). */
  byStoreKey(key: string): ResourceType | undefined {
    for (const type of this.types.values())
      if (typeKey(type) === key) return type;
    return undefined;
  }

  schemaOf(type: ResourceType): any {
    return this.schemas.get(`${type.group}/${type.version}/${type.plural}`);
  }

  all(): ResourceType[] {
    return [...this.types.values()];
  }

  /** Group → versions, in the order discovery lists them. */
  groupVersions(): Map<string, string[]> {
    const groups = new Map<string, string[]>();
    for (const type of this.types.values()) {
      if (!type.group) continue;
      const versions = groups.get(type.group) ?? [];
      if (!versions.includes(type.version)) versions.push(type.version);
      groups.set(type.group, versions);
    }
    return groups;
  }

  /** Serves every version of a CRD (after it is created or changed). */
  registerCrd(crd: KubeObject): void {
    this.unregisterCrd(crd);
    const spec = crd.spec as any;
    for (const version of spec.versions ?? []) {
      if (version.served === false) continue;
      this.add(
        {
          group: spec.group,
          version: version.name,
          kind: spec.names.kind,
          plural: spec.names.plural,
          singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
          namespaced: spec.scope === 'Namespaced',
          hasStatus: Boolean(version.subresources?.status),
          categories: spec.names.categories,
          shortNames: spec.names.shortNames,
          printerColumns: version.additionalPrinterColumns,
        },
        version.schema?.openAPIV3Schema,
      );
    }
  }

  unregisterCrd(crd: KubeObject): void {
    const spec = crd.spec as any;
    for (const [key, type] of this.types) {
      if (type.group === spec.group && type.plural === spec.names.plural) {
        this.types.delete(key);
        this.schemas.delete(key);
      }
    }
  }
}
