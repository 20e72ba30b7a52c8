/*
 * What the REST API does, route by route, apart from HTTP: who may do what to which resource,
 * what a request may contain, and what is derived by the backend instead (the Kubernetes
 * identity, the owner, the approvers and the policy). Reads come from the caches; requests go to
 * the workflows through the ResourceWorkflowClient.
 */
import { randomUUID } from 'node:crypto';
import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  parseEntityRef,
  stringifyEntityRef,
  type Entity,
} from '@backstage/catalog-model';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import type { ResourcePermission } from '@backstage/plugin-permission-common';
import {
  crossplaneResourceApprovePermission,
  crossplaneResourceCreatePermission,
  crossplaneResourceDeletePermission,
  crossplaneResourceReadPermission,
  crossplaneResourceUpdatePermission,
  describeResourceRef,
  resourceWorkflowId,
  validateResourceRef,
  type components,
  type JsonObject,
  type ListResourcesQuery,
  type ResourcePathParams,
  type Requester,
  type ResourcePolicy,
  type ResourceRef,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import { requesterOf, requireUser, type Caller } from '../access/caller';
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
import type { RequestableXrd } from '../cache/xrds';
import { resolvePolicy, type PolicyOverride } from '../policy/resourcePolicy';
import { specProblems } from '../policy/specValidation';
import type { ResourceWorkflowClient } from './ResourceWorkflowClient';

type Schemas = components['schemas'];

export interface ResourceApiOptions {
  workflows: ResourceWorkflowClient;
  workflowCache: WorkflowStateCache;
  clusterCache: ClusterStateCache;
  views: ResourceViews;
  authorizer: ResourceAuthorizer;
  tenancy: Tenancy;
  policies: readonly PolicyOverride[];
  catalog: CatalogService;
  audit: AuditTrail;
  logger: LoggerService;
}

const DEFAULT_PAGE = 50;

/** In a history, a request's audit record comes before the steps it started. */
const sourceOrder = (source: 'audit' | 'workflow') =>
  source === 'audit' ? 0 : 1;

/** What an HTTP request to a resource route carries, for the audit trail. */
export type HttpRequest = Parameters<AuditTrail['record']>[0]['req'];

export class ResourceApi {
  constructor(private readonly o: ResourceApiOptions) {}

  // ---- reads ---------------------------------------------------------------------------------------

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
    const start = after
      ? matching.findIndex(e => newestFirst(e, after) > 0)
      : 0;
    const limit = query.limit ?? DEFAULT_PAGE;
    const page = start === -1 ? [] : matching.slice(start, start + limit);
    const items = page.map(e => this.o.views.summary(e));
    const last = page[page.length - 1];
    return {
      items,
      ...(last && start + limit < matching.length
        ? { nextCursor: encodeCursor(last) }
        : {}),
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
    const items: Schemas['HistoryEntry'][] = [
      ...audit.map(record => ({
        source: 'audit' as const,
        at: record.at,
        what: record.operation,
        outcome: record.outcome,
        message: record.message,
        actor: record.actor,
        ...(record.requestId ? { requestId: record.requestId } : {}),
      })),
      ...entry.status.steps.map(step => ({
        source: 'workflow' as const,
        at: step.at,
        what: step.step,
        outcome: step.outcome,
        message: step.message,
        seq: step.seq,
        ...(step.requestId ? { requestId: step.requestId } : {}),
      })),
    ].sort(
      (a, b) =>
        a.at.localeCompare(b.at) ||
        sourceOrder(a.source) - sourceOrder(b.source),
    );
    return {
      ref: entry.status.ref,
      items,
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
      items: entries.map(entry => ({
        ref: entry.status.ref,
        workflowId: entry.workflowId,
        ...(entry.status.owner ? { owner: entry.status.owner } : {}),
        ...(entry.status.component
          ? { component: entry.status.component }
          : {}),
        pendingApproval: entry.status.pendingApproval!,
      })),
      freshness: this.o.views.combinedFreshness(
        entries.map(e => this.o.views.freshness(e.status.ref, e)),
      ),
    };
  }

  async kinds(
    caller: Caller,
    cluster?: string,
  ): Promise<Schemas['RequestableKindList']> {
    if (cluster && !this.o.clusterCache.hasCluster(cluster))
      throw new NotFoundError(this.unknownCluster(cluster));
    const items: Schemas['RequestableKind'][] = [];
    const freshness: Schemas['Freshness'][] = [];
    for (const xrd of this.o.clusterCache.xrds(cluster)) {
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
      items.push({
        cluster: xrd.cluster,
        apiVersion: xrd.apiVersion,
        kind: xrd.kind,
        xrdName: xrd.name,
        scope: xrd.scope,
        ...(xrd.description ? { description: xrd.description } : {}),
        schema: xrd.specSchema,
        connectionSecretKeys: xrd.connectionSecretKeys,
        policy,
        namespaces,
      });
    }
    for (const name of new Set(items.map(i => i.cluster))) {
      const f = this.o.clusterCache.freshness(name);
      freshness.push({
        observedAt: new Date(f.observedAt || Date.now()).toISOString(),
        ageSeconds: 0,
      });
    }
    return { items, freshness: this.o.views.combinedFreshness(freshness) };
  }

  // ---- requests ------------------------------------------------------------------------------------

  async provision(
    caller: Caller,
    path: ResourcePathParams,
    body: Schemas['ProvisionRequestBody'],
    req: HttpRequest,
  ): Promise<Schemas['RequestAccepted']> {
    requireUser(caller);
    const { xrd, ref } = this.requestable(path);
    const requestId = body.requestId ?? randomUUID();
    return this.o.audit.record(
      this.audited(req, 'provision', caller, ref, requestId),
      async () => {
        const policy = this.policyOf(xrd);
        const { owner, component } = await this.ownerOf(caller, body);
        await this.o.authorizer.authorize(
          crossplaneResourceCreatePermission,
          caller.credentials,
          resourceEntityOf({ ref, owner, component }),
          `provision ${describeResourceRef(ref)} for ${owner}`,
        );
        this.checkNamespace(caller, ref);
        this.checkSpec(xrd, body.spec);
        const accepted = await this.o.workflows.provision({
          requestId,
          requestedBy: requesterOf(caller),
          ref,
          spec: body.spec as JsonObject,
          ...(body.labels ? { labels: body.labels } : {}),
          owner,
          ...(component ? { component } : {}),
          policy,
        });
        return { ...accepted, ref };
      },
      describeAccepted,
    );
  }

  async update(
    caller: Caller,
    path: ResourcePathParams,
    body: Schemas['UpdateRequestBody'],
    req: HttpRequest,
  ): Promise<Schemas['RequestAccepted']> {
    return this.requestOn(caller, path, body, req, {
      operation: 'update',
      permission: crossplaneResourceUpdatePermission,
      check: xrd => this.checkSpec(xrd, body.spec),
      send: (ref, requestId, requester) =>
        this.o.workflows.updateSpec(ref, {
          requestId,
          requestedBy: requester,
          spec: body.spec as JsonObject,
        }),
    });
  }

  async deprovision(
    caller: Caller,
    path: ResourcePathParams,
    body: Schemas['DeprovisionRequestBody'],
    req: HttpRequest,
  ): Promise<Schemas['RequestAccepted']> {
    return this.requestOn(caller, path, body, req, {
      operation: 'deprovision',
      permission: crossplaneResourceDeletePermission,
      send: (ref, requestId, requester) =>
        this.o.workflows.deprovision(ref, {
          requestId,
          requestedBy: requester,
        }),
    });
  }

  async retry(
    caller: Caller,
    path: ResourcePathParams,
    body: Schemas['RetryRequestBody'],
    req: HttpRequest,
  ): Promise<Schemas['RequestAccepted']> {
    return this.requestOn(caller, path, body, req, {
      operation: 'retry',
      permission: crossplaneResourceUpdatePermission,
      send: (ref, requestId, requester) =>
        this.o.workflows.retry(ref, {
          requestId,
          requestedBy: requester.userEntityRef,
        }),
    });
  }

  /**
   * A request on a resource that exists: the caller must be a user holding `permission` for it
   * and may use its namespace; audited with its outcome.
   */
  private async requestOn(
    caller: Caller,
    path: ResourcePathParams,
    body: { requestId?: string },
    req: HttpRequest,
    how: {
      operation: string;
      permission: ResourcePermission<'catalog-entity'>;
      check?: (xrd: RequestableXrd) => void;
      send: (
        ref: ResourceRef,
        requestId: string,
        requester: Requester,
      ) => Promise<{
        requestId: string;
        firstTime: boolean;
        workflowId: string;
      }>;
    },
  ): Promise<Schemas['RequestAccepted']> {
    requireUser(caller);
    const { xrd, ref } = this.requestable(path);
    const requestId = body.requestId ?? randomUUID();
    return this.o.audit.record(
      this.audited(req, how.operation, caller, ref, requestId),
      async () => {
        await this.authorizeOn(caller, ref, how.permission, how.operation);
        this.checkNamespace(caller, ref);
        how.check?.(xrd);
        const accepted = await how.send(ref, requestId, requesterOf(caller));
        return { ...accepted, ref };
      },
      describeAccepted,
    );
  }

  async decideApproval(
    caller: Caller,
    path: ResourcePathParams,
    body: Schemas['ApprovalRequestBody'],
    req: HttpRequest,
  ): Promise<Schemas['RequestAccepted']> {
    requireUser(caller);
    const { ref } = this.requestable(path);
    return this.o.audit.record(
      {
        ...this.audited(req, 'approval', caller, ref, body.requestId),
        meta: { approved: body.approved },
      },
      async () => {
        await this.authorizeOn(
          caller,
          ref,
          crossplaneResourceApprovePermission,
          'decide approvals of',
        );
        // Checked here against what the workflow says now, so that a caller learns why at once;
        // the workflow checks the same again when the decision reaches it.
        const pending = await this.o.workflows.pendingApproval(ref);
        if (!pending || pending.requestId !== body.requestId) {
          throw new ConflictError(
            `no request ${body.requestId} of ${describeResourceRef(
              ref,
            )} is waiting for approval${
              pending ? `; request ${pending.requestId} is` : ''
            }`,
          );
        }
        if (pending.requestedBy === caller.userEntityRef) {
          throw new NotAllowedError(
            'a request cannot be approved or rejected by the person who made it',
          );
        }
        const mine = [caller.userEntityRef!, ...caller.ownershipEntityRefs];
        if (!pending.approvers.some(a => mine.includes(a))) {
          throw new NotAllowedError(
            `you are not an approver of this request; its approvers are ${pending.approvers.join(
              ', ',
            )}`,
          );
        }
        const accepted = await this.o.workflows.decideApproval(ref, {
          requestId: body.requestId,
          decidedBy: caller.userEntityRef!,
          decidedByOwnershipRefs: caller.ownershipEntityRefs,
          approved: body.approved,
          ...(body.comment ? { comment: body.comment } : {}),
        });
        return { ...accepted, ref };
      },
      result =>
        `${body.approved ? 'approved' : 'rejected'} ${result.requestId}`,
    );
  }

  // ---- helpers -------------------------------------------------------------------------------------

  /** The cached workflow of a resource the caller may read; 404 when there is none. */
  private async readable(
    caller: Caller,
    path: ResourcePathParams,
  ): Promise<WorkflowEntry> {
    const workflowId = workflowIdOf(path);
    const entry = this.o.workflowCache.get(workflowId);
    if (!entry) {
      throw new NotFoundError(
        `no ${path.kind} ${path.namespace}/${path.name} of group ${path.group} in cluster ${path.cluster} is known; provision it first, or check the name`,
      );
    }
    await this.o.authorizer.authorize(
      crossplaneResourceReadPermission,
      caller.credentials,
      entityOf(entry),
      `read ${describeResourceRef(entry.status.ref)}`,
    );
    return entry;
  }

  /** The XRD that offers the path's kind, and the resource's full reference. */
  private requestable(path: ResourcePathParams): {
    xrd: RequestableXrd;
    ref: ResourceRef;
  } {
    if (!this.o.clusterCache.hasCluster(path.cluster))
      throw new InputError(this.unknownCluster(path.cluster));
    const xrd = this.o.clusterCache.xrdFor(path.cluster, path.group, path.kind);
    if (!xrd) {
      throw new InputError(
        `${path.kind} of group ${path.group} is not a kind any XRD offers on cluster ${path.cluster}; only claims and namespaced composites defined by XRDs can be requested (GET /kinds lists them)`,
      );
    }
    const ref: ResourceRef = {
      cluster: path.cluster,
      apiVersion: xrd.apiVersion,
      kind: xrd.kind,
      namespace: path.namespace,
      name: path.name,
    };
    const problems = validateResourceRef(ref);
    if (problems.length) throw new InputError(problems.join('; '));
    return { xrd, ref };
  }

  private policyOf(xrd: RequestableXrd): ResourcePolicy {
    const { policy, problem } = resolvePolicy(xrd, this.o.policies);
    if (!policy) throw new ConflictError(problem);
    return policy;
  }

  /**
   * Who owns the resource: the component's owner, from the catalog; else the owner the body
   * names; else the caller's only group. Whether the caller may act for that owner is the
   * permission policy's decision.
   */
  private async ownerOf(
    caller: Caller,
    body: Schemas['ProvisionRequestBody'],
  ): Promise<{ owner: string; component?: string }> {
    if (body.component) {
      const componentRef = normalizedRef(body.component, 'component');
      const entity = await this.o.catalog.getEntityByRef(componentRef, {
        credentials: caller.credentials,
      });
      if (!entity) {
        throw new InputError(
          `component ${componentRef} is not in the catalog (or you may not see it); name an entity that exists`,
        );
      }
      const owner = ownerOfEntity(entity);
      if (!owner) {
        throw new InputError(
          `${componentRef} has no owner in the catalog, so its resources could have none; give it an owner first`,
        );
      }
      if (body.owner && normalizedRef(body.owner, 'group') !== owner) {
        throw new InputError(
          `owner ${body.owner} is not the owner of ${componentRef} (${owner}); the owner comes from the component, so leave it out`,
        );
      }
      return { owner, component: componentRef };
    }
    if (body.owner) return { owner: normalizedRef(body.owner, 'group') };
    const groups = caller.ownershipEntityRefs.filter(r =>
      r.startsWith('group:'),
    );
    if (groups.length === 1) return { owner: groups[0] };
    throw new InputError(
      `say who owns the resource: name its component, or an owner among your groups (${
        groups.join(', ') || 'you belong to none'
      })`,
    );
  }

  private checkNamespace(caller: Caller, ref: ResourceRef) {
    if (
      this.o.tenancy.mayUse(
        ref.cluster,
        ref.namespace,
        caller.ownershipEntityRefs,
      )
    )
      return;
    const yours = this.o.tenancy.namespacesFor(
      ref.cluster,
      caller.ownershipEntityRefs,
    );
    throw new NotAllowedError(
      `namespace ${ref.namespace} of cluster ${
        ref.cluster
      } is not one your groups may use; ${
        yours.length
          ? `yours: ${yours.join(', ')}`
          : 'your groups have none there'
      } (crossplaneTemporal.clusters[].tenants in app-config)`,
    );
  }

  private checkSpec(xrd: RequestableXrd, spec: unknown) {
    const problems = specProblems(xrd, spec as JsonObject);
    if (problems.length) {
      throw new InputError(
        `the spec does not match the schema of ${xrd.kind} (XRD ${
          xrd.name
        }): ${problems.join('; ')}`,
      );
    }
  }

  /** Authorizes an action on an existing resource, as its owner and component say. */
  private async authorizeOn(
    caller: Caller,
    ref: ResourceRef,
    permission: ResourcePermission<'catalog-entity'>,
    what: string,
  ) {
    const workflowId = resourceWorkflowId(ref);
    const entry = this.o.workflowCache.get(workflowId);
    // A workflow the cache has not read yet (just started elsewhere): ask it once.
    const status = entry?.status ?? (await this.o.workflows.status(ref));
    await this.o.authorizer.authorize(
      permission,
      caller.credentials,
      resourceEntityOf({
        ref,
        owner: status.owner,
        component: status.component,
      }),
      `${what} ${describeResourceRef(ref)}`,
    );
  }

  private audited(
    req: HttpRequest,
    operation: string,
    caller: Caller,
    ref: ResourceRef,
    requestId: string,
  ) {
    return {
      req,
      operation,
      actor: caller.actor,
      workflowId: resourceWorkflowId(ref),
      requestId,
      kept: true,
      severity: 'medium' as const,
    };
  }

  private unknownCluster(cluster: string) {
    return `no cluster named ${cluster} in crossplaneTemporal.clusters; configured: ${
      this.o.clusterCache.clusterNames().join(', ') || 'none'
    }`;
  }
}

function describeAccepted(result: { requestId: string; firstTime: boolean }) {
  return result.firstTime
    ? `accepted ${result.requestId}`
    : `${result.requestId} had been accepted before; answered again`;
}

export function workflowIdOf(path: ResourcePathParams): string {
  return resourceWorkflowId({
    cluster: path.cluster,
    apiVersion: `${path.group}/v`,
    kind: path.kind,
    namespace: path.namespace,
    name: path.name,
  });
}

function entityOf(entry: WorkflowEntry): Entity {
  return resourceEntityOf({
    ref: entry.status.ref,
    owner: entry.status.owner,
    component: entry.status.component,
  });
}

/** An entity ref in its full, lowercase form; 400 when it is not one. */
function normalizedRef(ref: string, defaultKind: string): string {
  try {
    return stringifyEntityRef(
      parseEntityRef(ref, { defaultKind, defaultNamespace: 'default' }),
    ).toLocaleLowerCase('en-US');
  } catch (error) {
    throw new InputError(`'${ref}' is not an entity ref: ${error}`);
  }
}

function ownerOfEntity(entity: Entity): string | undefined {
  const owner = (entity.spec as { owner?: unknown } | undefined)?.owner;
  if (typeof owner !== 'string' || owner === '') return undefined;
  return stringifyEntityRef(
    parseEntityRef(owner, {
      defaultKind: 'group',
      defaultNamespace: entity.metadata.namespace ?? 'default',
    }),
  ).toLocaleLowerCase('en-US');
}

function sameRef(actual: string | undefined, wanted: string): boolean {
  return (
    actual !== undefined &&
    actual.toLocaleLowerCase('en-US') === wanted.toLocaleLowerCase('en-US')
  );
}

// ---- paging ----------------------------------------------------------------------------------------

type SortKey = { updatedAt?: string; workflowId: string };

/** Newest change first; the workflow ID breaks ties. Negative when `a` comes first. */
function newestFirst(a: SortKey, b: SortKey): number {
  return (
    (b.updatedAt ?? '').localeCompare(a.updatedAt ?? '') ||
    a.workflowId.localeCompare(b.workflowId)
  );
}

function encodeCursor(entry: SortKey): string {
  return Buffer.from(
    JSON.stringify({ u: entry.updatedAt ?? '', w: entry.workflowId }),
  ).toString('base64url');
}

function decodeCursor(cursor: string): SortKey {
  try {
    const { u, w } = JSON.parse(Buffer.from(cursor, 'base64url').toString());
    if (typeof u === 'string' && typeof w === 'string')
      return { updatedAt: u, workflowId: w };
  } catch {
    // Reported below.
  }
  throw new InputError(
    'cursor is not one this API gave out; pass the nextCursor of the previous page, or leave it out for the first page',
  );
}
