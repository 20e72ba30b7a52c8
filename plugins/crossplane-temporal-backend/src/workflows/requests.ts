/*
 * The requests a resource workflow takes: whether it can take one now, given its state (pure
 * functions that accept or throw a typed refusal), and what taking it does to the state.
 */
import type {
  ApprovalDecision,
  DeprovisionRequest,
  ProvisionRequest,
  ResourceRef,
  UpdateRequest,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import type { RequestAccepted } from './definitions';
import { FailureTypes, refusal } from './refusals';
import {
  acceptRequestId,
  addStep,
  deprovisionQueued,
  describeResource,
  exists,
  hasQueued,
  type Operation,
  type ResourceState,
} from './state';

/** What the checks look at. */
export interface RequestContext {
  ref: ResourceRef;
  state: ResourceState;
  /** A provision runs now (in histories that have the one-provision-at-a-time patch). */
  provisionRunning: boolean;
}

const alreadyAccepted = (state: ResourceState, requestId: string) =>
  state.acceptedRequestIds.includes(requestId);

const beingDeprovisioned = (state: ResourceState) =>
  deprovisionQueued(state) || state.phase === 'Deprovisioning';

export function checkSameResource(ref: ResourceRef, requestRef: ResourceRef) {
  const same =
    requestRef.cluster === ref.cluster &&
    requestRef.namespace === ref.namespace &&
    requestRef.apiVersion === ref.apiVersion &&
    requestRef.kind === ref.kind &&
    requestRef.name === ref.name;
  if (!same) {
    throw refusal(
      FailureTypes.WrongResource,
      `this workflow manages ${describeResource(ref)} (${
        ref.apiVersion
      }) in cluster ${ref.cluster}; the request names another resource`,
    );
  }
}

/** A provision: of this resource, once; the same request again is taken (and does nothing). */
export function checkProvision(
  { ref, state, provisionRunning }: RequestContext,
  request: Pick<ProvisionRequest, 'ref' | 'requestId'>,
) {
  checkSameResource(ref, request.ref);
  if (alreadyAccepted(state, request.requestId)) return;
  if (
    exists(state) ||
    hasQueued(state, 'provision') ||
    provisionRunning ||
    state.phase === 'AwaitingApproval'
  ) {
    throw refusal(
      FailureTypes.AlreadyProvisioned,
      `${describeResource(
        ref,
      )} is already provisioned or being provisioned (phase ${
        state.phase
      }); send an update to change its spec`,
    );
  }
}

/** An update: of a resource that is or will be there, with a spec. */
export function checkUpdateSpec(
  { ref, state }: RequestContext,
  request: UpdateRequest,
) {
  if (alreadyAccepted(state, request.requestId)) return;
  if (!exists(state) && !hasQueued(state, 'provision')) {
    throw refusal(
      FailureTypes.NotProvisioned,
      `${describeResource(ref)} is not provisioned (phase ${
        state.phase
      }); provision it first`,
    );
  }
  if (beingDeprovisioned(state)) {
    throw refusal(
      FailureTypes.BeingDeprovisioned,
      `${describeResource(ref)} is being deprovisioned`,
    );
  }
  if (
    request.spec === null ||
    typeof request.spec !== 'object' ||
    Array.isArray(request.spec)
  ) {
    throw refusal(FailureTypes.InvalidRequest, 'spec must be an object');
  }
}

/** A deprovision: from any phase, once. */
export function checkDeprovision(
  { ref, state }: RequestContext,
  request: DeprovisionRequest,
) {
  if (alreadyAccepted(state, request.requestId)) return;
  if (beingDeprovisioned(state)) {
    throw refusal(
      FailureTypes.BeingDeprovisioned,
      `${describeResource(ref)} is already being deprovisioned`,
    );
  }
  if (state.phase === 'Deleted') {
    throw refusal(
      FailureTypes.AlreadyDeleted,
      `${describeResource(ref)} is already deleted`,
    );
  }
}

/** A decision: on the request that waits, by one of its approvers, who did not make it. */
export function checkDecision(
  { state }: RequestContext,
  request: ApprovalDecision,
) {
  const pending = state.pendingApproval;
  if (!pending || pending.requestId !== request.requestId) {
    throw refusal(
      FailureTypes.NoPendingApproval,
      `no request ${request.requestId} is waiting for approval`,
    );
  }
  const may = [request.decidedBy, ...request.decidedByOwnershipRefs].some(r =>
    pending.approvers.includes(r),
  );
  if (!may) {
    throw refusal(
      FailureTypes.NotAnApprover,
      `${
        request.decidedBy
      } may not decide this request; approvers are ${pending.approvers.join(
        ', ',
      )}`,
    );
  }
  if (request.decidedBy === pending.requestedBy) {
    throw refusal(
      FailureTypes.SelfApproval,
      'a request cannot be approved by the person who made it',
    );
  }
}

/** A retry: of the operation that failed last, while the resource is Failed. */
export function checkRetry({ state }: RequestContext) {
  if (!state.failedOperation || state.phase !== 'Failed') {
    throw refusal(
      FailureTypes.NothingToRetry,
      `nothing to retry: the last operation did not fail (phase ${state.phase})`,
    );
  }
}

/** Queues an operation, once per request ID, and records who asked for it. */
export function acceptOperation(
  state: ResourceState,
  operation: Operation,
  at: Date,
): RequestAccepted {
  const { requestId } = operation.request;
  const firstTime = acceptRequestId(state, requestId);
  if (firstTime) {
    state.queue.push(operation);
    addStep(
      state,
      at,
      'request',
      'info',
      `${operation.op} requested by ${operation.request.requestedBy.userEntityRef}`,
      requestId,
    );
  }
  return { requestId, firstTime };
}

/** Queues the failed operation again, as the retry's request (`checkRetry` passed). */
export function acceptRetry(
  state: ResourceState,
  request: { requestId: string; requestedBy: string },
  at: Date,
): RequestAccepted {
  const failed = state.failedOperation!;
  state.failedOperation = undefined;
  addStep(
    state,
    at,
    'request',
    'info',
    `retry of the failed ${failed.op} requested by ${request.requestedBy}`,
    request.requestId,
  );
  return acceptOperation(
    state,
    {
      ...failed,
      request: { ...failed.request, requestId: request.requestId },
    } as Operation,
    at,
  );
}
