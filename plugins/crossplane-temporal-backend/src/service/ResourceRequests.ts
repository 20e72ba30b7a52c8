/*
 * The API's requests that change a resource (provision, update, deprovision, retry, and the
 * decision on an approval): each is made by a user, checked (RequestChecks.ts), authorized,
 * audited with its outcome, and then handed to the resource's workflow through the
 * ResourceWorkflowClient, the only code that talks to the workflows. What the body may not say
 * is derived here instead: the Kubernetes identity, the owner, the approvers and the policy.
 */
import { randomUUID } from 'node:crypto';
import { ConflictError, NotAllowedError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import type { ResourcePermission } from '@backstage/plugin-permission-common';
import {
  crossplaneResourceApprovePermission,
  crossplaneResourceCreatePermission,
  crossplaneResourceDeletePermission,
  crossplaneResourceUpdatePermission,
  describeResourceRef,
  resourceWorkflowId,
  type components,
  type JsonObject,
  type ResourcePathParams,
  type Requester,
  type ResourceRef,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import { requesterOf, requireUser, type Caller } from '../access/caller';
import { resourceEntityOf } from '../access/resourceEntity';
import type { ResourceAuthorizer } from '../access/ResourceAuthorizer';
import type { AuditTrail } from '../audit/AuditTrail';
import type { WorkflowStateCache } from '../cache/WorkflowStateCache';
import type { RequestableXrd } from '../cache/xrds';
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
    const { xrd, ref } = this.checks.target(path);
    const requestId = body.requestId ?? randomUUID();
    return this.o.audit.record(
      this.audited(req, how.operation, caller, ref, requestId),
      async () => {
        await this.authorizeOn(caller, ref, how.permission, how.operation);
        this.checks.namespace(caller, ref);
        how.check?.(xrd);
        const accepted = await how.send(ref, requestId, requesterOf(caller));
        return { ...accepted, ref };
      },
      describeAccepted,
    );
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
}

function describeAccepted(result: { requestId: string; firstTime: boolean }) {
  return result.firstTime
    ? `accepted ${result.requestId}`
    : `${result.requestId} had been accepted before; answered again`;
}
