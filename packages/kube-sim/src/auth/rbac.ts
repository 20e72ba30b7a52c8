/*
 * Kubernetes RBAC, evaluated from the Roles, ClusterRoles and their bindings in the store:
 * rules by API group, resource (and subresource), verb and resource name; subjects by user,
 * group and service account. `system:masters` may do anything, as in Kubernetes.
 */
import type { KubeObject } from '../store/types';
import type { Identity } from './identities';

export interface AccessRequest {
  verb: string;
  group: string;
  /** `plural` or `plural/subresource`. */
  resource: string;
  namespace?: string;
  name?: string;
}

export interface RbacSource {
  roles(namespace: string): KubeObject[];
  clusterRoles(): KubeObject[];
  roleBindings(namespace: string): KubeObject[];
  clusterRoleBindings(): KubeObject[];
}

interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
}

const matches = (values: string[] | undefined, value: string) =>
  (values ?? []).some(v => v === '*' || v === value);

function ruleAllows(rule: PolicyRule, request: AccessRequest): boolean {
  if (!matches(rule.verbs, request.verb)) return false;
  if (!matches(rule.apiGroups, request.group)) return false;
  const [plural] = request.resource.split('/');
  const resourceOk =
    matches(rule.resources, request.resource) ||
    (!request.resource.includes('/') && matches(rule.resources, plural)) ||
    (rule.resources ?? []).includes(`${plural}/*`);
  if (!resourceOk) return false;
  if (rule.resourceNames?.length)
    return (
      request.name !== undefined && rule.resourceNames.includes(request.name)
    );
  return true;
}

function subjectMatches(binding: KubeObject, identity: Identity): boolean {
  const subjects = ((binding as any).subjects ?? []) as Array<{
    kind: string;
    name: string;
    namespace?: string;
  }>;
  return subjects.some(subject => {
    if (subject.kind === 'User') return subject.name === identity.user;
    if (subject.kind === 'Group') return identity.groups.includes(subject.name);
    if (subject.kind === 'ServiceAccount') {
      return (
        identity.user ===
        `system:serviceaccount:${subject.namespace}:${subject.name}`
      );
    }
    return false;
  });
}

export class RbacAuthorizer {
  constructor(private readonly source: RbacSource) {}

  allows(identity: Identity, request: AccessRequest): boolean {
    if (identity.groups.includes('system:masters')) return true;
    const clusterRoles = new Map(
      this.source.clusterRoles().map(r => [r.metadata.name, r]),
    );
    const rulesOf = (
      roleRef: { kind: string; name: string },
      namespace?: string,
    ): PolicyRule[] => {
      if (roleRef.kind === 'ClusterRole')
        return ((clusterRoles.get(roleRef.name) as any)?.rules ??
          []) as PolicyRule[];
      const role = namespace
        ? this.source
            .roles(namespace)
            .find(r => r.metadata.name === roleRef.name)
        : undefined;
      return ((role as any)?.rules ?? []) as PolicyRule[];
    };
    for (const binding of this.source.clusterRoleBindings()) {
      if (!subjectMatches(binding, identity)) continue;
      if (
        rulesOf((binding as any).roleRef).some(rule =>
          ruleAllows(rule, request),
        )
      )
        return true;
    }
    if (request.namespace) {
      for (const binding of this.source.roleBindings(request.namespace)) {
        if (!subjectMatches(binding, identity)) continue;
        if (
          rulesOf((binding as any).roleRef, request.namespace).some(rule =>
            ruleAllows(rule, request),
          )
        )
          return true;
      }
    }
    return false;
  }
}
