/*
 * The API's requests that change a resource (provision, update, deprovision, retry, and the
 * decision on an approval): each is made by a user, checked (RequestChecks.ts), authorized,
 * audited with its outcome, and then handed to the resource's workflow through the
 * ResourceWorkflowClient, the only code that talks to the workflows. What the body may not say
 * is derived here instead: the Kubernetes identity, the owner, the approvers and the policy.
 * A dry run of provision, update or deprovision is checked by the same code as the request and
 * then asks the cluster (a server-side dry run as the requester) or its cache, instead of the
 * workflow: nothing is written and no workflow is started.
 */
import { randomUUID } from 'node:crypto';
import {
  ConflictError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import type { ResourcePermission } from '@backstage/plugin-permission-common';
import {
  crossplaneResourceApprovePermission,
  crossplaneResourceCreatePermission,
  crossplaneResourceDeletePermission,
  crossplaneResourceUpdatePermission,
  describeResourceRef,
  resourceWorkflowId,
  MANAGED_BY_LABEL,
  type components,
  type DryRunAnswer,
  type DryRunOperation,
  type DryRunRequestBody,
  type JsonObject,
  type ResourcePolicy,
  type ResourcePathParams,
  type Requester,
  type ResourceRef,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import { requesterOf, requireUser, type Caller } from '../access/caller';
import { resourceEntityOf } from '../access/resourceEntity';
import type { ResourceAuthorizer } from '../access/ResourceAuthorizer';
import type { AuditTrail } from '../audit/AuditTrail';
import { dryRunApply } from '../activities/desiredObject';
import type { WorkflowStateCache } from '../cache/WorkflowStateCache';
import type { RequestableXrd } from '../cache/xrds';
import type { ClusterClients } from '../cluster/types';
import {
  resourceAnnotations,
  resourceLabels,
} from '../crossplane/objectMetadata';
import { fromClusterError } from './clusterErrors';
import { composedNow, dryRunAnswer } from './dryRunAnswers';
import { RequestChecks, type RequestChecksOptions } from './RequestChecks';
import { ownerOfRequest } from './requestOwner';
import type { ResourceWorkflowClient } from './ResourceWorkflowClient';

type Schemas = components['schemas'];

/** What an HTTP request to a resource route carries, for the audit trail. */
export type HttpRequest = Parameters<AuditTrail['record']>[0]['req'];

export interface ResourceRequestsOptions extends RequestChecksOptions {
  workflows: ResourceWorkflowClient;
  workflowCache: WorkflowStateCache;
  authorizer: ResourceAuthorizer;
  catalog: CatalogService;
  audit: AuditTrail;
  /** The clusters dry runs ask; the only cluster calls the API makes itself. */
  clusters: ClusterClients;
}

/** The request ID a dry run's object carries: there is no request. */
const DRY_RUN_REQUEST_ID = 'dry-run';

/** How a request on an existing resource is checked. */
interface RequestOnCheck {
  operation: DryRunOperation | 'retry';
  permission: ResourcePermission<'catalog-entity'>;
  check?: (xrd: RequestableXrd) => void;
}

export class ResourceRequests {
  private readonly checks: RequestChecks;

  constructor(private readonly o: ResourceRequestsOptions) {
    this.checks = new RequestChecks(o);
  }

  async provision(
    caller: Caller,
    path: ResourcePathParams,
    body: Schemas['ProvisionRequestBody'],
    req: HttpRequest,
  ): Promise<Schemas['RequestAccepted']> {
    requireUser(caller);
    const { xrd, ref } = this.checks.target(path);
    const requestId = body.requestId ?? randomUUID();
    return this.o.audit.record(
      this.audited(req, 'provision', caller, ref, requestId),
      async () => {
        const { policy, owner, component } = await this.checkProvision(
          caller,
          xrd,
          ref,
          body,
        );
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

  /** Everything a provision is checked for before the workflow is asked; what it derives. */
  private async checkProvision(
    caller: Caller,
    xrd: RequestableXrd,
    ref: ResourceRef,
    body: Schemas['ProvisionRequestBody'],
  ): Promise<{ policy: ResourcePolicy; owner: string; component?: string }> {
    const policy = this.checks.policyOf(xrd);
    const { owner, component } = await ownerOfRequest(
      this.o.catalog,
      caller,
      body,
    );
    await this.o.authorizer.authorize(
      crossplaneResourceCreatePermission,
      caller.credentials,
      resourceEntityOf({ ref, owner, component }),
      `provision ${describeResourceRef(ref)} for ${owner}`,
    );
    this.checks.namespace(caller, ref);
    this.checks.spec(xrd, body.spec);
    return { policy, owner, ...(component ? { component } : {}) };
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
      check: xrd => this.checks.spec(xrd, body.spec),
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
   * What `operation` would do: the request is checked as the real one is, then the cluster is
   * asked for a server-side dry run of the apply as the requester (provision, update), or its
   * cache for what would be deleted (deprovision). Audited; nothing is written.
   */
  async dryRun<O extends DryRunOperation>(
    operation: O,
    caller: Caller,
    path: ResourcePathParams,
    body: DryRunRequestBody<O>,
    req: HttpRequest,
  ): Promise<DryRunAnswer> {
    requireUser(caller);
    const { xrd, ref } = this.checks.target(path);
    return this.o.audit.record(
      {
        req,
        operation: `${operation}-dry-run`,
        actor: caller.actor,
        workflowId: resourceWorkflowId(ref),
        kept: false,
        severity: 'low',
      },
      () => {
        switch (operation) {
          case 'provision':
            return this.dryRunProvision(
              caller,
              xrd,
              ref,
              body as Schemas['ProvisionRequestBody'],
            );
          case 'update':
            return this.dryRunUpdate(
              caller,
              xrd,
              ref,
              body as Schemas['UpdateRequestBody'],
            );
          default:
            return this.dryRunDeprovision(caller, xrd, ref);
        }
      },
      () => 'dry run answered; nothing written',
    );
  }

  private async dryRunProvision(
    caller: Caller & { userEntityRef: string },
    xrd: RequestableXrd,
    ref: ResourceRef,
    body: Schemas['ProvisionRequestBody'],
  ): Promise<DryRunAnswer> {
    const { policy, owner } = await this.checkProvision(caller, xrd, ref, body);
    if (this.o.clusterCache.objectsOf(ref)?.resource) {
      throw new ConflictError(
        `provision refused: ${describeResourceRef(
          ref,
        )} already exists; send an update to change its spec`,
      );
    }
    const object = await this.dryRunApplyAs(caller, ref, {
      spec: body.spec as JsonObject,
      labels: body.labels ?? {},
      owner,
    });
    return dryRunAnswer({
      operation: 'provision',
      ref,
      object,
      composed: composedNow(this.o.clusterCache.objectsOf(ref)),
      policy,
    });
  }

  private async dryRunUpdate(
    caller: Caller & { userEntityRef: string },
    xrd: RequestableXrd,
    ref: ResourceRef,
    body: Schemas['UpdateRequestBody'],
  ): Promise<DryRunAnswer> {
    const status = await this.checkOn(caller, xrd, ref, {
      operation: 'update',
      permission: crossplaneResourceUpdatePermission,
      check: () => this.checks.spec(xrd, body.spec),
    });
    const policy = this.checks.policyOf(xrd);
    const objects = this.o.clusterCache.objectsOf(ref);
    const object = await this.dryRunApplyAs(caller, ref, {
      spec: body.spec as JsonObject,
      labels: withoutSuiteLabels(objects?.resource?.metadata.labels),
      owner: status.owner,
      // Updates asked for through Backstage take back fields someone else changed.
      force: true,
    });
    return dryRunAnswer({
      operation: 'update',
      ref,
      object,
      composed: composedNow(objects),
      policy,
    });
  }

  private async dryRunDeprovision(
    caller: Caller & { userEntityRef: string },
    xrd: RequestableXrd,
    ref: ResourceRef,
  ): Promise<DryRunAnswer> {
    await this.checkOn(caller, xrd, ref, {
      operation: 'deprovision',
      permission: crossplaneResourceDeletePermission,
    });
    const policy = this.checks.policyOf(xrd);
    const objects = this.o.clusterCache.objectsOf(ref);
    if (!objects?.resource) {
      throw new NotFoundError(
        `${describeResourceRef(
          ref,
        )} is not in the cluster: a deprovision would delete nothing`,
      );
    }
    return dryRunAnswer({
      operation: 'deprovision',
      ref,
      object: objects.resource,
      composed: composedNow(objects),
      policy,
    });
  }

  /** The server-side dry run of the apply the workflow would make, as the requester. */
  private async dryRunApplyAs(
    caller: Caller & { userEntityRef: string },
    ref: ResourceRef,
    what: {
      spec: JsonObject;
      labels: Record<string, string>;
      owner?: string;
      force?: boolean;
    },
  ) {
    const requester = requesterOf(caller);
    try {
      return await dryRunApply(this.o.clusters, {
        ref,
        spec: what.spec,
        labels: resourceLabels(what.labels),
        annotations: resourceAnnotations({
          workflowId: resourceWorkflowId(ref),
          requester,
          requestId: DRY_RUN_REQUEST_ID,
          owner: what.owner,
        }),
        as: requester.kubernetes,
        ...(what.force ? { force: true } : {}),
      });
    } catch (error) {
      throw fromClusterError(
        error,
        `the cluster refused a dry run of ${describeResourceRef(ref)}`,
      );
    }
  }

  async decideApproval(
    caller: Caller,
    path: ResourcePathParams,
    body: Schemas['ApprovalRequestBody'],
    req: HttpRequest,
  ): Promise<Schemas['RequestAccepted']> {
    requireUser(caller);
    const { ref } = this.checks.target(path);
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

  /**
   * A request on a resource that exists: the caller must be a user holding `permission` for it
   * and may use its namespace; audited with its outcome.
   */
  private async requestOn(
    caller: Caller,
    path: ResourcePathParams,
    body: { requestId?: string },
    req: HttpRequest,
    how: RequestOnCheck & {
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
    const { xrd, ref } = this.checks.target(path);
    const requestId = body.requestId ?? randomUUID();
    return this.o.audit.record(
      this.audited(req, how.operation, caller, ref, requestId),
      async () => {
        await this.checkOn(caller, xrd, ref, how);
        const accepted = await how.send(ref, requestId, requesterOf(caller));
        return { ...accepted, ref };
      },
      describeAccepted,
    );
  }

  /**
   * Everything a request on an existing resource is checked for before the workflow is asked;
   * answers the resource's status as the workflow cache (or the workflow) has it.
   */
  private async checkOn(
    caller: Caller,
    xrd: RequestableXrd,
    ref: ResourceRef,
    how: RequestOnCheck,
  ) {
    const status = await this.authorizeOn(
      caller,
      ref,
      how.permission,
      how.operation,
    );
    this.checks.namespace(caller, ref);
    how.check?.(xrd);
    return status;
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
    return status;
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
}

function describeAccepted(result: { requestId: string; firstTime: boolean }) {
  return result.firstTime
    ? `accepted ${result.requestId}`
    : `${result.requestId} had been accepted before; answered again`;
}

/** The labels a request gave, from an object the suite labelled. */
function withoutSuiteLabels(
  labels: Record<string, string> | undefined,
): Record<string, string> {
  const { [MANAGED_BY_LABEL]: _suite, ...requested } = labels ?? {};
  return requested;
}
