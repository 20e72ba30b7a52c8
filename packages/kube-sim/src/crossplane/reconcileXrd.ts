/*
 * An XRD, as Crossplane's definition controller handles it: its composite CRD (and, for v1 XRDs
 * with claimNames, the claim CRD) created or kept up to date, then the XRD marked Established
 * (and Offered). A deleted XRD is forgotten.
 */
import type { ObjectStore } from '../store/ObjectStore';
import { CRD_TYPE, type ResourceRegistry } from '../store/ResourceRegistry';
import type { KubeObject } from '../store/types';
import type { CompositeDefinitions } from './CompositeDefinitions';
import { setCondition } from './conditions';
import { generatedCrds } from './xrdCrds';

export function reconcileXrd(
  deps: {
    store: ObjectStore;
    registry: ResourceRegistry;
    definitions: CompositeDefinitions;
  },
  xrd: KubeObject,
): void {
  const { store, registry, definitions } = deps;
  const xrdType = registry.byKind(xrd.apiVersion, xrd.kind)!;
  const current = store.get(xrdType, undefined, xrd.metadata.name);
  if (!current) {
    definitions.delete(xrd.metadata.name);
    return;
  }
  const spec = current.spec as any;
  const v2 = current.apiVersion.endsWith('/v2');
  definitions.set(current.metadata.name, {
    xrd: current,
    v2,
    group: spec.group,
    compositeKind: spec.names.kind,
    claimKind: v2 ? undefined : spec.claimNames?.kind,
  });
  for (const crd of generatedCrds(current)) {
    const existing = store.get(CRD_TYPE, undefined, crd.metadata.name);
    if (!existing) store.create(CRD_TYPE, crd);
    else if (JSON.stringify(existing.spec) !== JSON.stringify(crd.spec)) {
      store.update(CRD_TYPE, { ...existing, spec: crd.spec });
    }
  }
  const next = structuredClone(current);
  setCondition(next, {
    type: 'Established',
    status: 'True',
    reason: 'WatchingCompositeResource',
  });
  if (!v2 && spec.claimNames)
    setCondition(next, {
      type: 'Offered',
      status: 'True',
      reason: 'WatchingCompositeResourceClaim',
    });
  if (JSON.stringify(next.status) !== JSON.stringify(current.status))
    store.update(xrdType, next);
}
