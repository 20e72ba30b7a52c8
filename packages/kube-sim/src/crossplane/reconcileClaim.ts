/*
 * A claim (v1 XRDs with claimNames), as Crossplane's claim controller handles it: bound to a
 * composite named `<claim>-<5 random chars>`, which carries the claim's spec, labels and
 * `claimRef`; its conditions and connection secret follow the composite's. A deleted claim
 * deletes its composite and goes at once (compositeDeletePolicy Background, the default) or once
 * the composite is gone (Foreground).
 */
import { recordUpdate } from '../apply/managedFields';
import type { EventRecorder } from '../controllers/EventRecorder';
import type { KubeObject, ResourceType } from '../store/types';
import type { CompositeDefinition } from './CompositeDefinitions';
import { markDeleting, setClaimConditions } from './compositeConditions';
import {
  copyConnectionSecret,
  deleteConnectionSecret,
} from './connectionSecrets';
import { CLAIM_MANAGER } from './fieldManagers';
import { randomSuffix } from './generatedNames';
import type { CompositeControllerDeps } from './reconcileComposite';
import { writeReconciled } from './writeReconciled';

const CLAIM_FINALIZER = 'finalizer.apiextensions.crossplane.io';

export interface ClaimControllerDeps extends CompositeControllerDeps {
  events: EventRecorder;
  /** Whether claims' conditions carry observedGeneration (Crossplane 1.19 and later). */
  claimConditionGenerations: boolean;
}

export function reconcileClaim(
  deps: ClaimControllerDeps,
  type: ResourceType,
  claim: KubeObject,
  definition: CompositeDefinition,
): void {
  const { store } = deps;
  const version = claim.apiVersion.split('/')[1];
  const compositeType = deps.registry.find(
    definition.group,
    version,
    (definition.xrd.spec as any).names.plural,
  );
  if (!compositeType) return;
  const spec = (claim.spec ?? {}) as any;
  const compositeName: string | undefined = spec.resourceRef?.name;
  const composite = compositeName
    ? store.get(compositeType, undefined, compositeName)
    : undefined;

  if (claim.metadata.deletionTimestamp) {
    deleteClaim(deps, type, claim, compositeType, composite);
    return;
  }

  const next: any = structuredClone(claim);
  next.metadata.finalizers = [
    ...new Set([...(next.metadata.finalizers ?? []), CLAIM_FINALIZER]),
  ];
  const name = compositeName ?? `${claim.metadata.name}-${randomSuffix()}`;
  if (!compositeName)
    deps.events.record(
      claim,
      'Normal',
      'BindCompositeResource',
      `Successfully bound composite resource ${name}`,
    );
  next.spec.resourceRef = {
    apiVersion: claim.apiVersion,
    kind: definition.compositeKind,
    name,
  };

  const desired = desiredComposite(claim, next.spec, composite, {
    kind: definition.compositeKind,
    name,
  });
  if (!composite)
    store.create(
      compositeType,
      recordUpdate(undefined, desired, CLAIM_MANAGER),
    );
  else if (JSON.stringify(desired) !== JSON.stringify(composite))
    store.update(
      compositeType,
      recordUpdate(composite, desired, CLAIM_MANAGER),
    );

  setClaimConditions(
    next,
    composite,
    deps.claimConditionGenerations ? claim.metadata.generation : undefined,
  );
  const claimSecretRef = next.spec.writeConnectionSecretToRef;
  if (claimSecretRef?.name && composite)
    copyConnectionSecret(
      store,
      composite,
      claim.metadata.namespace!,
      claimSecretRef.name,
    );
  writeReconciled(deps, type, claim, next, CLAIM_MANAGER);
}

/**
 * The composite as the claim wants it: `composite` (if it exists) with the claim's spec (except
 * what belongs to the claim alone), labels and `claimRef`; its connection secret, if the claim
 * asks for one, in crossplane-system under the claim's uid.
 */
function desiredComposite(
  claim: KubeObject,
  claimSpec: any,
  composite: KubeObject | undefined,
  { kind, name }: { kind: string; name: string },
): any {
  const {
    resourceRef: _r,
    writeConnectionSecretToRef: claimSecretRef,
    ...compositeSpec
  } = claimSpec;
  const desired: any = composite
    ? structuredClone(composite)
    : {
        apiVersion: claim.apiVersion,
        kind,
        metadata: { name },
        spec: {},
      };
  desired.metadata.labels = {
    ...(claim.metadata.labels ?? {}),
    ...(desired.metadata.labels ?? {}),
    'crossplane.io/claim-name': claim.metadata.name,
    'crossplane.io/claim-namespace': claim.metadata.namespace!,
  };
  desired.spec = {
    ...desired.spec,
    ...compositeSpec,
    claimRef: {
      apiVersion: claim.apiVersion,
      kind: claim.kind,
      name: claim.metadata.name,
      namespace: claim.metadata.namespace,
    },
    ...(claimSecretRef
      ? {
          writeConnectionSecretToRef: {
            name: claim.metadata.uid ?? name,
            namespace: 'crossplane-system',
          },
        }
      : {}),
  };
  return desired;
}

/** Deletes the claim's composite; the claim's secret and finalizer go now or after it. */
function deleteClaim(
  deps: ClaimControllerDeps,
  type: ResourceType,
  claim: KubeObject,
  compositeType: ResourceType,
  composite: KubeObject | undefined,
): void {
  const { store } = deps;
  // compositeDeletePolicy: Background (Crossplane's default) lets the claim go at once and
  // the composite after it; Foreground keeps the claim until the composite is gone.
  const foreground =
    (claim.spec as any)?.compositeDeletePolicy === 'Foreground';
  if (composite) {
    if (!composite.metadata.deletionTimestamp)
      store.delete(compositeType, undefined, composite.metadata.name);
    if (foreground) {
      markDeleting(store, type, claim);
      return; // the composite's deletion wakes us again
    }
  }
  deleteConnectionSecret(
    store,
    claim.metadata.namespace,
    (claim.spec as any)?.writeConnectionSecretToRef?.name,
  );
  const done = structuredClone(claim);
  done.metadata.finalizers = (done.metadata.finalizers ?? []).filter(
    f => f !== CLAIM_FINALIZER,
  );
  store.update(type, done);
}
