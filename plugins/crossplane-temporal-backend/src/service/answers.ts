/*
 * The shapes of the API's answers that are not about one resource's cached state (those are
 * src/cache/ResourceViews.ts): a resource's history, a request waiting for a decision, and a kind
 * the caller may request.
 */
import type {
  components,
  ResourcePolicy,
  StepRecord,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import type { AuditRecord } from '../audit/AuditTrail';
import type { WorkflowEntry } from '../cache/WorkflowStateCache';
import type { RequestableXrd } from '../cache/xrds';

type Schemas = components['schemas'];

/** In a history, a request's audit record comes before the steps it started. */
const sourceOrder = (source: 'audit' | 'workflow') =>
  source === 'audit' ? 0 : 1;

/** Who asked for what (the audit trail), joined by time with what the workflow did. */
export function historyItems(
  audit: AuditRecord[],
  steps: StepRecord[],
): Schemas['HistoryEntry'][] {
  return [
    ...audit.map(record => ({
      source: 'audit' as const,
      at: record.at,
      what: record.operation,
      outcome: record.outcome,
      message: record.message,
      actor: record.actor,
      ...(record.requestId ? { requestId: record.requestId } : {}),
    })),
    ...steps.map(step => ({
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
      a.at.localeCompare(b.at) || sourceOrder(a.source) - sourceOrder(b.source),
  );
}

/** A resource whose workflow waits for a decision, and the request waiting. */
export function pendingApprovalItem(
  entry: WorkflowEntry,
): Schemas['PendingApprovalList']['items'][number] {
  return {
    ref: entry.status.ref,
    workflowId: entry.workflowId,
    ...(entry.status.owner ? { owner: entry.status.owner } : {}),
    ...(entry.status.component ? { component: entry.status.component } : {}),
    pendingApproval: entry.status.pendingApproval!,
  };
}

export function requestableKind(
  xrd: RequestableXrd,
  policy: ResourcePolicy,
  namespaces: string[],
): Schemas['RequestableKind'] {
  return {
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
  };
}
