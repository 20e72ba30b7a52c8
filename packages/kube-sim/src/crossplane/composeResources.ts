/*
 * Composition rendering: each function-patch-and-transform resource template of a composite's
 * Composition, patched from the composite, becomes a managed resource (created or brought up to
 * date) with Crossplane's labels, annotation, owner reference and finalizer; then what the
 * managed resources report flows back: ToCompositeFieldPath patches, failures, readiness and
 * connection details.
 */
import { recordUpdate } from '../apply/managedFields';
import type { ObjectStore } from '../store/ObjectStore';
import { SECRET_TYPE, type ResourceRegistry } from '../store/ResourceRegistry';
import type { KubeObject } from '../store/types';
import { conditionOf } from './conditions';
import { COMPOSITE_MANAGER } from './fieldManagers';
import { shortHash } from './generatedNames';
import {
  composedReady,
  patchFromComposite,
  patchToComposite,
  type Patch,
  type ReadinessCheck,
} from './patchAndTransform';
import { MANAGED_FINALIZER } from './SimulatedProvider';

export interface ResourceRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

interface ResourceTemplate {
  name: string;
  base?: any;
  patches?: Patch[];
  readinessChecks?: ReadinessCheck[];
}

export interface Composed {
  /** The composed resources, as the composite's resourceRefs list them. */
  refs: ResourceRef[];
  /** Why rendering or a composed resource failed, if one did. */
  failure?: string;
  /** The composed resources not ready yet, described. */
  unready: string[];
  /** Connection details gathered from the composed resources' secrets. */
  connection: Record<string, string>;
  /** How many resources the composition composes. */
  count: number;
}

/** The resource templates of a Composition's function-patch-and-transform pipeline steps. */
function resourceTemplates(composition: KubeObject): ResourceTemplate[] {
  return (((composition.spec as any).pipeline ?? []) as any[])
    .filter(step => step.functionRef?.name === 'function-patch-and-transform')
    .flatMap(step => step.input?.resources ?? []);
}

/**
 * Composes `composite`'s resources through `composition`, writing `next` (the composite being
 * reconciled) as ToCompositeFieldPath patches say. `refs` are the composite's current
 * resourceRefs; `namespace` the composed resources' (v2 composites), undefined for v1.
 */
export function composeResources(
  deps: { store: ObjectStore; registry: ResourceRegistry },
  composite: KubeObject,
  next: any,
  composition: KubeObject,
  refs: ResourceRef[],
  namespace: string | undefined,
): Composed {
  const { store, registry } = deps;
  const templates = resourceTemplates(composition);
  const composed: Composed = {
    refs: [],
    unready: [],
    connection: {},
    count: templates.length,
  };
  next.status ??= {};
  for (const template of templates) {
    const base = structuredClone(template.base ?? {});
    try {
      patchFromComposite(composite, base, template.patches as Patch[]);
    } catch (error) {
      composed.failure = `cannot render composed resource "${template.name}": ${
        (error as Error).message
      }`;
      continue;
    }
    const mrType = registry.byKind(base.apiVersion, base.kind);
    if (!mrType) {
      composed.failure = `cannot compose resource "${template.name}": no managed resource kind ${base.kind} in ${base.apiVersion}`;
      continue;
    }
    const name = composedName(composite, template, base.kind, refs);
    const current = store.get(mrType, namespace, name);
    const desired = desiredResource(composite, template, base, current, {
      name,
      namespace,
    });
    if (!current)
      store.create(mrType, recordUpdate(undefined, desired, COMPOSITE_MANAGER));
    else if (
      JSON.stringify(desired.spec) !== JSON.stringify(current.spec) ||
      JSON.stringify(desired.metadata.labels) !==
        JSON.stringify(current.metadata.labels)
    ) {
      store.update(mrType, recordUpdate(current, desired, COMPOSITE_MANAGER));
    }
    composed.refs.push({
      apiVersion: base.apiVersion,
      kind: base.kind,
      name,
      ...(namespace ? { namespace } : {}),
    });
    const described = `${template.name} (${base.kind} ${name})`;
    if (!current) {
      composed.unready.push(described);
      continue;
    }
    patchToComposite(current, next, template.patches as Patch[]);
    const mrSynced = conditionOf(current, 'Synced');
    if (mrSynced?.status === 'False')
      composed.failure ??= `${current.kind} ${name}: ${
        mrSynced.message ?? mrSynced.reason
      }`;
    if (!composedReady(current, template.readinessChecks))
      composed.unready.push(described);
    const secretRef = (current.spec as any)?.writeConnectionSecretToRef;
    const secret =
      secretRef?.name &&
      store.get(
        SECRET_TYPE,
        secretRef.namespace ?? namespace ?? 'crossplane-system',
        secretRef.name,
      );
    if (secret) Object.assign(composed.connection, (secret as any).data ?? {});
  }
  return composed;
}

/** The name a template's resource has (from the composite's refs) or gets. */
function composedName(
  composite: KubeObject,
  template: ResourceTemplate,
  kind: string,
  refs: ResourceRef[],
): string {
  const existingRef =
    refs.find(
      r => r.kind === kind && (r as any).resourceName === template.name,
    ) ??
    refs.find(
      r => r.kind === kind && r.name.endsWith(`-${shortHash(template.name)}`),
    );
  return (
    existingRef?.name ??
    `${composite.metadata.name}-${shortHash(template.name)}`
  );
}

/** The managed resource as the composite wants it: `current` (if any) with the template applied. */
function desiredResource(
  composite: KubeObject,
  template: ResourceTemplate,
  base: any,
  current: KubeObject | undefined,
  { name, namespace }: { name: string; namespace: string | undefined },
): any {
  const desired: any = current
    ? structuredClone(current)
    : {
        apiVersion: base.apiVersion,
        kind: base.kind,
        metadata: { name, namespace },
      };
  const claimLabels = composite.metadata.labels?.['crossplane.io/claim-name']
    ? {
        'crossplane.io/claim-name':
          composite.metadata.labels['crossplane.io/claim-name'],
        'crossplane.io/claim-namespace':
          composite.metadata.labels['crossplane.io/claim-namespace'],
      }
    : {};
  desired.metadata.labels = {
    ...(desired.metadata.labels ?? {}),
    ...(base.metadata?.labels ?? {}),
    'crossplane.io/composite': composite.metadata.name,
    ...claimLabels,
  };
  desired.metadata.annotations = {
    ...(desired.metadata.annotations ?? {}),
    'crossplane.io/composition-resource-name': template.name,
  };
  desired.metadata.ownerReferences = [
    {
      apiVersion: composite.apiVersion,
      kind: composite.kind,
      name: composite.metadata.name,
      uid: composite.metadata.uid!,
      controller: true,
      blockOwnerDeletion: true,
    },
  ];
  desired.metadata.finalizers = [
    ...new Set([...(desired.metadata.finalizers ?? []), MANAGED_FINALIZER]),
  ];
  desired.spec = { ...(desired.spec ?? {}), ...(base.spec ?? {}) };
  return desired;
}
