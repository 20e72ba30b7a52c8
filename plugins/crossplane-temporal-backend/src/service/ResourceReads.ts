/*
 * The API's reads: the resource list, one resource (and its phase, tree, events, steps and
 * history), the requests waiting for the caller's decision, and the kinds the caller may request.
 * All are answered from the caches (never a cluster or workflow call per request), filtered by
 * what the permission framework lets the caller see.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import { NotFoundError } from '@backstage/errors';
import {
  crossplaneResourceApprovePermission,
  crossplaneResourceReadPermission,
  describeResourceRef,
  type components,
  type ListResourcesQuery,
  type ResourcePathParams,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import type { Caller } from '../access/caller';
import { resourceEntityOf } from '../access/resourceEntity';
import type { ResourceAuthorizer } from '../access/ResourceAuthorizer';
import type { Tenancy } from '../access/tenancy';
import type { AuditTrail } from '../audit/AuditTrail';
import type { ClusterStateCache } from '../cache/ClusterStateCache';
import type { ResourceViews } from '../cache/ResourceViews';
import type {
  WorkflowEntry,
  WorkflowStateCache,
} from '../cache/WorkflowStateCache';
import { resolvePolicy, type PolicyOverride } from '../policy/resourcePolicy';
import { historyItems, pendingApprovalItem, requestableKind } from './answers';
import { decodeCursor, DEFAULT_PAGE, newestFirst, pageAfter } from './paging';
import { unknownCluster, unknownResource, workflowIdOf } from './resourcePath';

type Schemas = components['schemas'];

export interface ResourceReadsOptions {
  workflowCache: WorkflowStateCache;
  clusterCache: ClusterStateCache;
  views: ResourceViews;
  authorizer: ResourceAuthorizer;
  tenancy: Tenancy;
  policies: readonly PolicyOverride[];
  audit: AuditTrail;
  logger: LoggerService;
}

export class ResourceReads {
  constructor(private readonly o: ResourceReadsOptions) {}

  async list(
    caller: Caller,
    query: ListResourcesQuery,
  ): Promise<Schemas['ResourceList']> {
    const may = await this.o.authorizer.decide(
      crossplaneResourceReadPermission,
      caller.credentials,
    );
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const matching = [...this.o.workflowCache.all()]
      .filter(entry => {
        const { status } = entry;
        const { ref } = status;
        if (query.cluster && ref.cluster !== query.cluster) return false;
        if (query.namespace && ref.namespace !== query.namespace) return false;
        if (query.kind && ref.kind !== query.kind) return false;
        if (query.group && !ref.apiVersion.startsWith(`${query.group}/`))
          return false;
        if (query.phase && status.phase !== query.phase) return false;
        if (query.owner && !sameRef(status.owner, query.owner)) return false;
        if (query.entityRef && !sameRef(status.component, query.entityRef))
          return false;
        return may(entityOf(entry));
      })
      .sort(newestFirst);
    const { page, nextCursor } = pageAfter(
      matching,
      after,
      query.limit ?? DEFAULT_PAGE,
    );
    const items = page.map(e => this.o.views.summary(e));
    return {
      items,
      ...(nextCursor ? { nextCursor } : {}),
      freshness: this.o.views.combinedFreshness(items.map(i => i.freshness)),
    };
  }

  async get(caller: Caller, path: ResourcePathParams) {
    const entry = await this.readable(caller, path);
    const xrd = this.o.clusterCache.xrdFor(path.cluster, path.group, path.kind);
    const policy = xrd ? resolvePolicy(xrd, this.o.policies).policy : undefined;
    return this.o.views.detail(entry, policy);
  }

  async phase(caller: Caller, path: ResourcePathParams) {
    return this.o.views.phase(await this.readable(caller, path));
  }

  async tree(caller: Caller, path: ResourcePathParams) {
    return this.o.views.tree(await this.readable(caller, path));
  }

  async events(caller: Caller, path: ResourcePathParams) {
    return this.o.views.events(await this.readable(caller, path));
  }

  async steps(caller: Caller, path: ResourcePathParams) {
    return this.o.views.steps(await this.readable(caller, path));
  }

  async history(
    caller: Caller,
    path: ResourcePathParams,
  ): Promise<Schemas['ResourceHistory']> {
    const entry = await this.readable(caller, path);
    const audit = await this.o.audit.history(entry.workflowId);
    return {
      ref: entry.status.ref,
      items: historyItems(audit, entry.status.steps),
      freshness: this.o.views.freshness(entry.status.ref, entry),
    };
  }

  async pendingApprovals(
    caller: Caller,
  ): Promise<Schemas['PendingApprovalList']> {
    const may = await this.o.authorizer.decide(
      crossplaneResourceApprovePermission,
      caller.credentials,
    );
    const mine = new Set(
      [caller.userEntityRef, ...caller.ownershipEntityRefs].filter(Boolean),
    );
    const entries = [...this.o.workflowCache.all()].filter(entry => {
      const pending = entry.status.pendingApproval;
      if (!pending || pending.requestedBy === caller.userEntityRef)
        return false;
      return pending.approvers.some(a => mine.has(a)) && may(entityOf(entry));
    });
    entries.sort((a, b) =>
      a.status.pendingApproval!.expiresAt.localeCompare(
        b.status.pendingApproval!.expiresAt,
      ),
    );
    return {
      items: entries.map(pendingApprovalItem),
      freshness: this.o.views.combinedFreshness(
        entries.map(e => this.o.views.freshness(e.status.ref, e)),
      ),
    };
  }

  async kinds(
    caller: Caller,
    cluster?: string,
  ): Promise<Schemas['RequestableKindList']> {
    const { clusterCache } = this.o;
    if (cluster && !clusterCache.hasCluster(cluster))
      throw new NotFoundError(
        unknownCluster(cluster, clusterCache.clusterNames()),
      );
    const items: Schemas['RequestableKind'][] = [];
    const freshness: Schemas['Freshness'][] = [];
    for (const xrd of clusterCache.xrds(cluster)) {
      const namespaces = this.o.tenancy.namespacesFor(
        xrd.cluster,
        caller.ownershipEntityRefs,
      );
      if (namespaces.length === 0) continue;
      const { policy, problem } = resolvePolicy(xrd, this.o.policies);
      if (!policy) {
        this.o.logger.warn('a kind is not offered: its policy cannot be read', {
          xrd: xrd.name,
          cluster: xrd.cluster,
          problem,
        });
        continue;
      }
      items.push(requestableKind(xrd, policy, namespaces));
    }
    for (const name of new Set(items.map(i => i.cluster))) {
      const f = clusterCache.freshness(name);
      freshness.push({
        observedAt: new Date(f.observedAt || Date.now()).toISOString(),
        ageSeconds: 0,
      });
    }
    return { items, freshness: this.o.views.combinedFreshness(freshness) };
  }

  /** The cached workflow of a resource the caller may read; 404 when there is none. */
  private async readable(
    caller: Caller,
    path: ResourcePathParams,
  ): Promise<WorkflowEntry> {
    const entry = this.o.workflowCache.get(workflowIdOf(path));
    if (!entry) throw new NotFoundError(unknownResource(path));
    await this.o.authorizer.authorize(
      crossplaneResourceReadPermission,
      caller.credentials,
      entityOf(entry),
      `read ${describeResourceRef(entry.status.ref)}`,
    );
    return entry;
  }
}

function entityOf(entry: WorkflowEntry): Entity {
  return resourceEntityOf({
    ref: entry.status.ref,
    owner: entry.status.owner,
    component: entry.status.component,
  });
}

function sameRef(actual: string | undefined, wanted: string): boolean {
  return (
    actual !== undefined &&
    actual.toLocaleLowerCase('en-US') === wanted.toLocaleLowerCase('en-US')
  );
}
