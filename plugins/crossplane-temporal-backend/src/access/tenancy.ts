/*
 * Which namespaces of which cluster a team may use, from app-config
 * (`crossplaneTemporal.clusters[].tenants`): per cluster, the groups and their namespaces (`*` for
 * all). A caller may use the namespaces of every group they belong to. A cluster without tenants
 * lets no one provision there.
 */
import type { Config } from '@backstage/config';

export const ALL_NAMESPACES = '*';

export class Tenancy {
  private constructor(
    /** cluster → group entity ref → namespaces */
    private readonly tenants: Map<string, Map<string, string[]>>,
  ) {}

  static fromConfig(config: Config): Tenancy {
    const tenants = new Map<string, Map<string, string[]>>();
    for (const cluster of config.getOptionalConfigArray(
      'crossplaneTemporal.clusters',
    ) ?? []) {
      const groups = new Map<string, string[]>();
      for (const tenant of cluster.getOptionalConfigArray('tenants') ?? []) {
        const group = tenant.getString('group').toLocaleLowerCase('en-US');
        groups.set(group, [
          ...(groups.get(group) ?? []),
          ...tenant.getStringArray('namespaces'),
        ]);
      }
      tenants.set(cluster.getString('name'), groups);
    }
    return new Tenancy(tenants);
  }

  /** The namespaces of `cluster` these ownership refs may use; `['*']` for all. */
  namespacesFor(cluster: string, ownershipEntityRefs: string[]): string[] {
    const groups = this.tenants.get(cluster);
    if (!groups) return [];
    const namespaces = new Set<string>();
    for (const ref of ownershipEntityRefs)
      for (const ns of groups.get(ref.toLocaleLowerCase('en-US')) ?? [])
        namespaces.add(ns);
    if (namespaces.has(ALL_NAMESPACES)) return [ALL_NAMESPACES];
    return [...namespaces].sort();
  }

  mayUse(
    cluster: string,
    namespace: string,
    ownershipEntityRefs: string[],
  ): boolean {
    const allowed = this.namespacesFor(cluster, ownershipEntityRefs);
    return allowed.includes(ALL_NAMESPACES) || allowed.includes(namespace);
  }
}
