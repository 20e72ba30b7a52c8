/*
 * The messages a resource workflow understands. Workflow-safe: the workflow bundle and the
 * Temporal client both import these.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  ApprovalDecision,
  DeprovisionRequest,
  ObservedObjectEvent,
  PendingApproval,
  ProvisionRequest,
  ResourcePhase,
  ResourceStatus,
  StepRecord,
  UpdateRequest,
  JsonObject,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';

/** What an accepted request gets back. */
export interface RequestAccepted {
  requestId: string;
  /** False when the same request ID had already been accepted (a retried call). */
  firstTime: boolean;
}

/** Provision the resource; the way signal-with-start delivers the first request. */
export const provisionSignal = defineSignal<[ProvisionRequest]>('provision');
/** Provision, answered: rejected at once when the request cannot be accepted. */
export const provisionUpdate = defineUpdate<
  RequestAccepted,
  [ProvisionRequest]
>('provision');
/** Change the spec of a provisioned resource. */
export const updateSpecUpdate = defineUpdate<RequestAccepted, [UpdateRequest]>(
  'updateSpec',
);
/** Delete the resource, from any phase. */
export const deprovisionUpdate = defineUpdate<
  RequestAccepted,
  [DeprovisionRequest]
>('deprovision');
/** Approve or reject the pending request. */
export const decideApprovalUpdate = defineUpdate<
  RequestAccepted,
  [ApprovalDecision]
>('decideApproval');
/** Run the last failed operation again. */
export const retryUpdate = defineUpdate<
  RequestAccepted,
  [{ requestId: string; requestedBy: string }]
>('retry');
/** Something a watcher saw happen to the resource or what it is composed of. */
export const observedSignal = defineSignal<[ObservedObjectEvent]>('observed');

export const statusQuery = defineQuery<ResourceStatus>('status');
export const phaseQuery = defineQuery<ResourcePhase>('phase');
export const desiredSpecQuery = defineQuery<JsonObject | undefined>(
  'desiredSpec',
);
export const lastAppliedSpecQuery = defineQuery<JsonObject | undefined>(
  'lastAppliedSpec',
);
export const pendingApprovalQuery = defineQuery<PendingApproval | undefined>(
  'pendingApproval',
);
export const historyQuery = defineQuery<StepRecord[]>('history');
