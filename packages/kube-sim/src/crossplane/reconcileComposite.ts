/*
 * A composite resource (v1 cluster-scoped, v2 namespaced), as Crossplane's composite controller
 * handles it: a deleted one deletes what it composed and goes once they are gone; otherwise its
 * Composition is selected, its resources composed, its conditions and connection secret written,
 * and its claim, if any, reconciled after it. `crossplane.io/paused` stops all but deletion.
 */
import { recordUpdate } from '../apply/managedFields';
import type { ObjectStore } from '../store/ObjectStore';
import type { ResourceRegistry } from '../store/ResourceRegistry';
import type { KubeObject, ResourceType } from '../store/types';
import type { CompositeDefinition } from './CompositeDefinitions';
import { markDeleting, setCompositeConditions } from './compositeConditions';
import { composeResources, type ResourceRef } from './composeResources';
import { selectComposition } from './compositionSelection';
import { setCondition } from './conditions';
import {
  deleteConnectionSecret,
  writeConnectionSecret,
} from './connectionSecrets';
import { COMPOSITE_MANAGER } from './fieldManagers';
import { writeReconciled } from './writeReconciled';

const COMPOSITE_FINALIZER = 'composite.apiextensions.crossplane.io';

export interface CompositeControllerDeps {
  store: ObjectStore;
  registry: ResourceRegistry;
  /** Reconciles the object again (soon, not now). */
  enqueue: (object: KubeObject) => void;
}

export function reconcileComposite(
  deps: CompositeControllerDeps,
  type: ResourceType,
  composite: KubeObject,
  definition: CompositeDefinition,
): void {
  const { store, registry } = deps;
  const spec: any = composite.spec ?? {};
  const refsHolder = definition.v2 ? (spec.crossplane ??= {}) : spec;
  const refs: ResourceRef[] = refsHolder.resourceRefs ?? [];
  const namespace = definition.v2 ? composite.metadata.namespace : undefined;

  if (composite.metadata.deletionTimestamp) {
    deleteComposite(deps, type, composite, refs, namespace);
    return;
  }
  if (composite.metadata.annotations?.['crossplane.io/paused'] === 'true')
    return;

  const next: any = structuredClone(composite);
  next.metadata.finalizers = [
    ...new Set([...(next.metadata.finalizers ?? []), COMPOSITE_FINALIZER]),
  ];
  const nextRefsHolder = definition.v2
    ? (next.spec.crossplane ??= {})
    : next.spec;
  const composition = selectComposition(deps, composite);
  if (!composition) {
    setCondition(next, {
      type: 'Synced',
      status: 'False',
      reason: 'ReconcileError',
      message: `cannot select a Composition for ${composite.kind}: no Composition is compatible with this composite resource`,
      observedGeneration: composite.metadata.generation,
    });
    if (JSON.stringify(next) !== JSON.stringify(composite))
      store.update(type, recordUpdate(composite, next, COMPOSITE_MANAGER));
    return;
  }
  nextRefsHolder.compositionRef = { name: composition.metadata.name };

  const composed = composeResources(
    deps,
    composite,
    next,
    composition,
    refs,
    namespace,
  );
  nextRefsHolder.resourceRefs = composed.refs;
  setCompositeConditions(next, {
    generation: composite.metadata.generation,
    failure: composed.failure,
    unready: composed.unready,
    composedCount: composed.count,
  });
  const secretRef = next.spec.writeConnectionSecretToRef;
  if (secretRef?.name && Object.keys(composed.connection).length)
    writeConnectionSecret(
      store,
      secretRef.namespace ?? namespace,
      secretRef.name,
      composed.connection,
    );

  writeReconciled(deps, type, composite, next, COMPOSITE_MANAGER);
  // The claim follows the composite.
  const claimRef = next.spec.claimRef;
  if (claimRef) {
    const claimType = registry.byKind(claimRef.apiVersion, claimRef.kind);
    const claim =
      claimType && store.get(claimType, claimRef.namespace, claimRef.name);
    if (claim) deps.enqueue(claim);
  }
}

/** Deletes what the composite composed; once all of it is gone, its secret and finalizer go. */
function deleteComposite(
  deps: CompositeControllerDeps,
  type: ResourceType,
  composite: KubeObject,
  refs: ResourceRef[],
  namespace: string | undefined,
): void {
  const { store, registry } = deps;
  let remaining = 0;
  for (const ref of refs) {
    const mrType = registry.byKind(ref.apiVersion, ref.kind);
    const mr = mrType && store.get(mrType, namespace, ref.name);
    if (!mr) continue;
    remaining++;
    if (!mr.metadata.deletionTimestamp)
      store.delete(mrType!, namespace, ref.name);
  }
  if (remaining > 0) {
    markDeleting(store, type, composite);
    return;
  }
  const secretRef = (composite.spec as any)?.writeConnectionSecretToRef;
  deleteConnectionSecret(
    store,
    secretRef?.namespace ?? namespace,
    secretRef?.name,
  );
  const done = structuredClone(composite);
  done.metadata.finalizers = (done.metadata.finalizers ?? []).filter(
    f => f !== COMPOSITE_FINALIZER,
  );
  store.update(type, done);
}
