/*
 * The API's answers about resources, joined from the two caches: what the workflow last reported
 * (phase, steps, approval, owner) and what the cluster holds (conditions, the object tree,
 * events), each answer with how fresh its data is.
 */
import type {
  Condition,
  components,
  ResourceRef,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import { conditionsOf } from '../crossplane/conditions';
import type { KubeObject } from '../cluster/types';
import type { ClusterStateCache } from './ClusterStateCache';
import type { WorkflowEntry, WorkflowStateCache } from './WorkflowStateCache';

type Schemas = components['schemas'];
export type Freshness = Schemas['Freshness'];
type ConditionStatus = 'True' | 'False' | 'Unknown';

const iso = (ms: number) => new Date(ms).toISOString();

function conditionStatus(
  conditions: Condition[],
  type: string,
): ConditionStatus | undefined {
  return conditions.find(c => c.type === type)?.status;
}

/** A tree node from an object as the cluster reported it. */
function nodeOf(object: KubeObject): Schemas['TreeNode'] {
  const conditions = conditionsOf(object);
  const failing = conditions.find(c => c.status === 'False' && c.message);
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name,
    ...(object.metadata.namespace
      ? { namespace: object.metadata.namespace }
      : {}),
    ...(conditionStatus(conditions, 'Ready')
      ? { ready: conditionStatus(conditions, 'Ready') === 'True' }
      : {}),
    ...(conditionStatus(conditions, 'Synced')
      ? { synced: conditionStatus(conditions, 'Synced') === 'True' }
      : {}),
    ...(object.metadata.deletionTimestamp ? { deleting: true } : {}),
    ...(failing?.message ? { message: failing.message } : {}),
    conditions: conditions.map(clean),
  };
}

/** A condition without the fields the cluster left empty. */
function clean(condition: Condition): Schemas['Condition'] {
  return Object.fromEntries(
    Object.entries(condition).filter(([, v]) => v !== undefined && v !== null),
  ) as Schemas['Condition'];
}

export class ResourceViews {
  constructor(
    private readonly clusters: ClusterStateCache,
    private readonly workflows: WorkflowStateCache,
    private readonly now: () => number = Date.now,
  ) {}

  /** How fresh what is said about a resource is: its workflow's status and its cluster's data. */
  freshness(ref: ResourceRef, entry?: WorkflowEntry): Freshness {
    const now = this.now();
    const cluster = this.clusters.freshness(ref.cluster);
    const clusterAt = Math.min(cluster.observedAt || now, now);
    const clusterPart = {
      observedAt: iso(clusterAt),
      ageSeconds: (now - clusterAt) / 1000,
      watching: cluster.watching,
    };
    const workflowPart = entry
      ? {
          observedAt: iso(entry.readAt),
          ageSeconds: Math.max(0, (now - entry.readAt) / 1000),
        }
      : undefined;
    const oldest = Math.min(clusterAt, entry?.readAt ?? now);
    return {
      observedAt: iso(oldest),
      ageSeconds: Math.max(0, (now - oldest) / 1000),
      cluster: clusterPart,
      ...(workflowPart ? { workflow: workflowPart } : {}),
    };
  }

  /**
   * The freshness of an answer about many resources: the oldest of its parts; with none, when
   * the workflow cache was loaded (what the answer's emptiness is as of).
   */
  combinedFreshness(parts: Freshness[]): Freshness {
    const now = this.now();
    const at = parts.length
      ? parts.reduce((min, f) => Math.min(min, Date.parse(f.observedAt)), now)
      : Math.min(this.workflows.loadedAt || now, now);
    return { observedAt: iso(at), ageSeconds: Math.max(0, (now - at) / 1000) };
  }

  summary(entry: WorkflowEntry): Schemas['ResourceSummary'] {
    const { status } = entry;
    const objects = this.clusters.objectsOf(status.ref);
    const conditions = objects?.resource
      ? conditionsOf(objects.resource)
      : status.conditions;
    const ready = conditionStatus(conditions, 'Ready');
    const synced = conditionStatus(conditions, 'Synced');
    return {
      ref: status.ref,
      workflowId: entry.workflowId,
      phase: status.phase,
      ...(status.owner ? { owner: status.owner } : {}),
      ...(status.component ? { component: status.component } : {}),
      ...(ready ? { ready } : {}),
      ...(synced ? { synced } : {}),
      ...(status.lastError ? { lastError: status.lastError } : {}),
      ...(status.pendingApproval
        ? { pendingApproval: status.pendingApproval }
        : {}),
      ...(entry.updatedAt ? { updatedAt: entry.updatedAt } : {}),
      freshness: this.freshness(status.ref, entry),
    };
  }

  detail(
    entry: WorkflowEntry,
    policy?: Schemas['ResourcePolicy'],
  ): Schemas['Resource'] {
    const { status } = entry;
    const objects = this.clusters.objectsOf(status.ref);
    const conditions = objects?.resource
      ? conditionsOf(objects.resource)
      : status.conditions;
    const outputs = status.outputs
      ? {
          ...(status.outputs.connectionSecret
            ? { connectionSecret: status.outputs.connectionSecret }
            : {}),
          ...(status.outputs.composite
            ? { composite: status.outputs.composite }
            : {}),
          composed: status.outputs.composed.map(c => ({ ...c })),
        }
      : undefined;
    const { freshness, ...summary } = this.summary(entry);
    return {
      ...summary,
      conditions: conditions.map(clean),
      ...(status.desiredSpec ? { desiredSpec: status.desiredSpec } : {}),
      ...(status.lastAppliedSpec
        ? { lastAppliedSpec: status.lastAppliedSpec }
        : {}),
      ...(status.lastGoodSpec ? { lastGoodSpec: status.lastGoodSpec } : {}),
      ...(outputs ? { outputs } : {}),
      ...(policy ? { policy } : {}),
      freshness,
    };
  }

  phase(entry: WorkflowEntry): Schemas['ResourcePhaseAnswer'] {
    const { ref, phase, lastError, ready } = this.summary(entry);
    return {
      ref,
      phase,
      ...(ready ? { ready } : {}),
      ...(lastError ? { lastError } : {}),
      freshness: this.freshness(ref, entry),
    };
  }

  tree(entry: WorkflowEntry): Schemas['ResourceTree'] {
    const { ref } = entry.status;
    const objects = this.clusters.objectsOf(ref);
    return {
      ref,
      ...(objects?.resource ? { resource: nodeOf(objects.resource) } : {}),
      ...(objects?.composite ? { composite: nodeOf(objects.composite) } : {}),
      managed: (objects?.managed ?? []).map(nodeOf),
      freshness: this.freshness(ref, entry),
    };
  }

  events(entry: WorkflowEntry): Schemas['ResourceEvents'] {
    const { ref } = entry.status;
    const events = this.clusters.objectsOf(ref)?.events ?? [];
    return {
      ref,
      items: events.map(e => ({
        type: e.type,
        reason: e.reason,
        message: e.message,
        count: e.count,
        ...(e.firstTimestamp ? { firstTimestamp: e.firstTimestamp } : {}),
        ...(e.lastTimestamp ? { lastTimestamp: e.lastTimestamp } : {}),
        involvedObject: Object.fromEntries(
          Object.entries(e.involvedObject).filter(([, v]) => v !== undefined),
        ) as Schemas['KubeEvent']['involvedObject'],
      })),
      freshness: this.freshness(ref, entry),
    };
  }

  steps(entry: WorkflowEntry): Schemas['ResourceSteps'] {
    const { status } = entry;
    return {
      ref: status.ref,
      workflowId: entry.workflowId,
      phase: status.phase,
      items: status.steps.map(s => ({ ...s })),
      freshness: this.freshness(status.ref, entry),
    };
  }
}
