/*
 * Which Composition renders a composite: the one `compositionRef` names, else the first whose
 * labels match `compositionSelector`, else the first for the composite's group and kind.
 * v2 composites keep these under `spec.crossplane`.
 */
import type { ObjectStore } from '../store/ObjectStore';
import type { ResourceRegistry } from '../store/ResourceRegistry';
import type { KubeObject } from '../store/types';

export function selectComposition(
  deps: { store: ObjectStore; registry: ResourceRegistry },
  composite: KubeObject,
): KubeObject | undefined {
  const compositionType = deps.registry.byKind(
    'apiextensions.crossplane.io/v1',
    'Composition',
  );
  if (!compositionType) return undefined;
  const spec = (composite.spec ?? {}) as any;
  const crossplane = spec.crossplane ?? spec;
  const all = deps.store.list(compositionType).filter(c => {
    const ref = (c.spec as any)?.compositeTypeRef;
    return (
      ref?.apiVersion?.split('/')[0] === composite.apiVersion.split('/')[0] &&
      ref?.kind === composite.kind
    );
  });
  if (crossplane.compositionRef?.name)
    return all.find(c => c.metadata.name === crossplane.compositionRef.name);
  const match = crossplane.compositionSelector?.matchLabels as
    | Record<string, string>
    | undefined;
  if (match)
    return all.find(c =>
      Object.entries(match).every(([k, v]) => c.metadata.labels?.[k] === v),
    );
  return all[0];
}
