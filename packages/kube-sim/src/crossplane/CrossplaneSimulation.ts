/*
 * Crossplane's controllers, simulated: XRDs become CRDs (v1: a cluster-scoped composite and a
 * namespaced claim; v2: a namespaced composite), claims are bound to composites, composites are
 * rendered through their composition's patch-and-transform pipeline into managed resources, and
 * readiness and connection secrets flow back up, with the conditions, labels, finalizers and
 * deletion order real Crossplane has.
 */
import crypto from 'node:crypto';
import { recordUpdate } from '../apply/managedFields';
import { EventRecorder } from '../controllers/EventRecorder';
import type { Log } from '../logger';
import type { ObjectStore } from '../store/ObjectStore';
import {
  CRD_TYPE,
  SECRET_TYPE,
  type ResourceRegistry,
} from '../store/ResourceRegistry';
import type { KubeObject, ResourceType } from '../store/types';
import { conditionOf, setCondition } from './conditions';
import {
  composedReady,
  patchFromComposite,
  patchToComposite,
  type Patch,
  type ReadinessCheck,
} from './patchAndTransform';
import { MANAGED_FINALIZER, SimulatedProvider } from './SimulatedProvider';
import { crossplaneCrds, generatedCrds } from './xrdCrds';

export const CLAIM_MANAGER = 'apiextensions.crossplane.io/claim';
export const COMPOSITE_MANAGER = 'apiextensions.crossplane.io/composite';
const COMPOSITE_FINALIZER = 'composite.apiextensions.crossplane.io';
const CLAIM_FINALIZER = 'finalizer.apiextensions.crossplane.io';

interface Definition {
  xrd: KubeObject;
  v2: boolean;
  group: string;
  compositeKind: string;
  claimKind?: string;
}

export class CrossplaneSimulation {
  readonly provider: SimulatedProvider;
  private readonly queue = new Map<string, () => void>();
  private readonly events: EventRecorder;
  private scheduled = false;
  private unsubscribe = () => {};
  private readonly definitions = new Map<string, Definition>();

  constructor(
    private readonly deps: {
      store: ObjectStore;
      registry: ResourceRegistry;
      log: Log;
      providerDelayMs: number;
      /** Whether claims' conditions carry observedGeneration (Crossplane 1.19 and later). */
      claimConditionGenerations: boolean;
    },
  ) {
    this.events = new EventRecorder(deps.store, 'crossplane');
    this.provider = new SimulatedProvider(
      deps.store,
      deps.log,
      deps.providerDelayMs,
    );
    for (const crd of crossplaneCrds()) {
      if (!deps.store.get(CRD_TYPE, undefined, crd.metadata.name))
        deps.store.create(CRD_TYPE, crd);
    }
  }

  start(): void {
    this.unsubscribe = this.deps.store.onAnyChange(event =>
      this.enqueue(event.object),
    );
    // Objects restored from a state file or created before start.
    for (const type of this.deps.registry.all()) {
      for (const object of this.deps.store.list(type)) this.enqueue(object);
    }
  }

  stop(): void {
    this.unsubscribe();
    this.provider.stop();
    this.queue.clear();
  }

  private enqueue(object: KubeObject): void {
    const key = `${object.apiVersion}|${object.kind}|${
      object.metadata.namespace ?? ''
    }|${object.metadata.name}`;
    this.queue.set(key, () => this.dispatch(object));
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  private drain(): void {
    this.scheduled = false;
    const work = [...this.queue.values()];
    this.queue.clear();
    for (const job of work) {
      try {
        job();
      } catch (error) {
        this.deps.log('warn', 'reconcile failed', {
          error: String((error as Error).stack ?? error),
        });
      }
    }
  }

  private dispatch(object: KubeObject): void {
    const { registry, store } = this.deps;
    if (
      object.apiVersion.startsWith('apiextensions.crossplane.io/') &&
      object.kind === 'CompositeResourceDefinition'
    ) {
      this.reconcileXrd(object);
      return;
    }
    const type = registry.byKind(object.apiVersion, object.kind);
    if (!type) return;
    const current = store.get(
      type,
      object.metadata.namespace,
      object.metadata.name,
    );
    if (type.categories?.includes('managed')) {
      if (current) this.provider.observe(type, current);
      const composite = object.metadata.labels?.['crossplane.io/composite'];
      if (composite) this.requeueComposite(object, composite);
      return;
    }
    const definition = this.definitionFor(type);
    if (!definition) return;
    if (!current) {
      // A composite is gone: its claim may be waiting for that to finish deleting.
      const claimRef = (object.spec as any)?.claimRef;
      const claimType =
        claimRef && registry.byKind(claimRef.apiVersion, claimRef.kind);
      const claim =
        claimType && store.get(claimType, claimRef.namespace, claimRef.name);
      if (claim) this.enqueue(claim);
      return;
    }
    if (definition.claimKind === type.kind)
      this.reconcileClaim(type, current, definition);
    else if (definition.compositeKind === type.kind)
      this.reconcileComposite(type, current, definition);
  }

  private definitionFor(type: ResourceType): Definition | undefined {
    for (const d of this.definitions.values()) {
      if (
        d.group === type.group &&
        (d.compositeKind === type.kind || d.claimKind === type.kind)
      )
        return d;
    }
    return undefined;
  }

  private requeueComposite(managed: KubeObject, compositeName: string): void {
    for (const d of this.definitions.values()) {
      for (const type of this.deps.registry
        .all()
        .filter(t => t.group === d.group && t.kind === d.compositeKind)) {
        const namespace = d.v2 ? managed.metadata.namespace : undefined;
        const composite = this.deps.store.get(type, namespace, compositeName);
        if (composite) this.enqueue(composite);
      }
    }
  }

  // ---- XRDs ---------------------------------------------------------------------------------

  private reconcileXrd(xrd: KubeObject): void {
    const { store, registry } = this.deps;
    const xrdType = registry.byKind(xrd.apiVersion, xrd.kind)!;
    const current = store.get(xrdType, undefined, xrd.metadata.name);
    if (!current) {
      this.definitions.delete(xrd.metadata.name);
      return;
    }
    const spec = current.spec as any;
    const v2 = current.apiVersion.endsWith('/v2');
    this.definitions.set(current.metadata.name, {
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

  // ---- claims (v1) ----------------------------------------------------------------------------

  private compositeTypeOf(
    definition: Definition,
    claim: KubeObject,
  ): ResourceType | undefined {
    const version = claim.apiVersion.split('/')[1];
    return this.deps.registry.find(
      definition.group,
      version,
      (definition.xrd.spec as any).names.plural,
    );
  }

  private reconcileClaim(
    type: ResourceType,
    claim: KubeObject,
    definition: Definition,
  ): void {
    const { store } = this.deps;
    const compositeType = this.compositeTypeOf(definition, claim);
    if (!compositeType) return;
    const spec = (claim.spec ?? {}) as any;
    const compositeName: string | undefined = spec.resourceRef?.name;
    const composite = compositeName
      ? store.get(compositeType, undefined, compositeName)
      : undefined;

    if (claim.metadata.deletionTimestamp) {
      // compositeDeletePolicy: Background (Crossplane's default) lets the claim go at once and
      // the composite after it; Foreground keeps the claim until the composite is gone.
      const foreground = spec.compositeDeletePolicy === 'Foreground';
      if (composite) {
        if (!composite.metadata.deletionTimestamp)
          store.delete(compositeType, undefined, composite.metadata.name);
        if (foreground) {
          this.markDeleting(type, claim);
          return; // the composite's deletion wakes us again
        }
      }
      this.deleteClaimSecret(claim);
      const done = structuredClone(claim);
      done.metadata.finalizers = (done.metadata.finalizers ?? []).filter(
        f => f !== CLAIM_FINALIZER,
      );
      store.update(type, done);
      return;
    }

    const next: any = structuredClone(claim);
    next.metadata.finalizers = [
      ...new Set([...(next.metadata.finalizers ?? []), CLAIM_FINALIZER]),
    ];
    const name = compositeName ?? `${claim.metadata.name}-${randomSuffix()}`;
    if (!compositeName)
      this.events.record(
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

    // The composite carries the claim's spec (except what belongs to the claim alone).
    const {
      resourceRef: _r,
      writeConnectionSecretToRef: claimSecretRef,
      ...compositeSpec
    } = next.spec;
    const desired: any = composite
      ? structuredClone(composite)
      : {
          apiVersion: claim.apiVersion,
          kind: definition.compositeKind,
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

    // Status follows the composite's.
    const ready = composite ? conditionOf(composite, 'Ready') : undefined;
    const observedGeneration = this.deps.claimConditionGenerations
      ? claim.metadata.generation
      : undefined;
    setCondition(next, {
      type: 'Synced',
      status: 'True',
      reason: 'ReconcileSuccess',
      observedGeneration,
    });
    setCondition(next, {
      type: 'Ready',
      status: ready?.status ?? 'False',
      reason: ready?.status === 'True' ? ready.reason : 'Waiting',
      message:
        ready?.status === 'True'
          ? undefined
          : 'Composite resource claim is waiting for composite resource to become Ready',
      observedGeneration,
    });
    if (claimSecretRef?.name && composite)
      this.copyConnectionSecret(
        composite,
        claim.metadata.namespace!,
        claimSecretRef.name,
      );
    if (JSON.stringify(next) !== JSON.stringify(claim)) {
      const written = store.update(
        type,
        recordUpdate(claim, next, CLAIM_MANAGER),
      );
      // Our own write bumped the generation (spec.resourceRef): report the one we have seen.
      if (written.metadata.generation !== claim.metadata.generation)
        this.enqueue(written);
    }
  }

  private copyConnectionSecret(
    composite: KubeObject,
    namespace: string,
    name: string,
  ): void {
    const ref = (composite.spec as any)?.writeConnectionSecretToRef;
    if (!ref?.name) return;
    const source = this.deps.store.get(SECRET_TYPE, ref.namespace, ref.name);
    if (!source) return;
    const existing = this.deps.store.get(SECRET_TYPE, namespace, name);
    if (
      existing &&
      JSON.stringify((existing as any).data) ===
        JSON.stringify((source as any).data)
    )
      return;
    const secret: any = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace },
      type: 'connection.crossplane.io/v1alpha1',
      data: (source as any).data,
    };
    if (existing)
      this.deps.store.update(SECRET_TYPE, {
        ...existing,
        data: secret.data,
      } as any);
    else this.deps.store.create(SECRET_TYPE, secret);
  }

  private deleteClaimSecret(claim: KubeObject): void {
    const name = (claim.spec as any)?.writeConnectionSecretToRef?.name;
    if (
      name &&
      this.deps.store.get(SECRET_TYPE, claim.metadata.namespace, name)
    ) {
      this.deps.store.delete(SECRET_TYPE, claim.metadata.namespace, name);
    }
  }

  // ---- composites (v1 cluster-scoped, v2 namespaced) -----------------------------------------

  /** Ready=False, reason Deleting, while what the object composes or binds is still going away. */
  private markDeleting(type: ResourceType, object: KubeObject): void {
    if (conditionOf(object, 'Ready')?.reason === 'Deleting') return;
    const next: any = structuredClone(object);
    setCondition(next, {
      type: 'Ready',
      status: 'False',
      reason: 'Deleting',
      observedGeneration: object.metadata.generation,
    });
    this.deps.store.update(type, recordUpdate(object, next, COMPOSITE_MANAGER));
  }

  private compositionFor(composite: KubeObject): KubeObject | undefined {
    const compositionType = this.deps.registry.byKind(
      'apiextensions.crossplane.io/v1',
      'Composition',
    );
    if (!compositionType) return undefined;
    const spec = (composite.spec ?? {}) as any;
    const crossplane = spec.crossplane ?? spec;
    const all = this.deps.store.list(compositionType).filter(c => {
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

  private reconcileComposite(
    type: ResourceType,
    composite: KubeObject,
    definition: Definition,
  ): void {
    const { store, registry } = this.deps;
    const spec: any = composite.spec ?? {};
    const refsHolder = definition.v2 ? (spec.crossplane ??= {}) : spec;
    const refs: Array<{
      apiVersion: string;
      kind: string;
      name: string;
      namespace?: string;
    }> = refsHolder.resourceRefs ?? [];
    const namespace = definition.v2 ? composite.metadata.namespace : undefined;

    if (composite.metadata.deletionTimestamp) {
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
        this.markDeleting(type, composite);
        return;
      }
      const secretRef = spec.writeConnectionSecretToRef;
      if (
        secretRef?.name &&
        store.get(SECRET_TYPE, secretRef.namespace ?? namespace, secretRef.name)
      ) {
        store.delete(
          SECRET_TYPE,
          secretRef.namespace ?? namespace,
          secretRef.name,
        );
      }
      const done = structuredClone(composite);
      done.metadata.finalizers = (done.metadata.finalizers ?? []).filter(
        f => f !== COMPOSITE_FINALIZER,
      );
      store.update(type, done);
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
    const composition = this.compositionFor(composite);
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

    const templates = (((composition.spec as any).pipeline ?? []) as any[])
      .filter(step => step.functionRef?.name === 'function-patch-and-transform')
      .flatMap(step => step.input?.resources ?? []);
    const newRefs: typeof refs = [];
    const unready: string[] = [];
    let failure: string | undefined;
    const connection: Record<string, string> = {};
    next.status ??= {};
    for (const template of templates) {
      const base = structuredClone(template.base ?? {});
      try {
        patchFromComposite(composite, base, template.patches as Patch[]);
      } catch (error) {
        failure = `cannot render composed resource "${template.name}": ${
          (error as Error).message
        }`;
        continue;
      }
      const mrType = registry.byKind(base.apiVersion, base.kind);
      if (!mrType) {
        failure = `cannot compose resource "${template.name}": no managed resource kind ${base.kind} in ${base.apiVersion}`;
        continue;
      }
      const existingRef =
        refs.find(
          r =>
            r.kind === base.kind && (r as any).resourceName === template.name,
        ) ??
        refs.find(
          r =>
            r.kind === base.kind &&
            r.name.endsWith(`-${shortHash(template.name)}`),
        );
      const name =
        existingRef?.name ??
        `${composite.metadata.name}-${shortHash(template.name)}`;
      const current = store.get(mrType, namespace, name);
      const desired: any = current
        ? structuredClone(current)
        : {
            apiVersion: base.apiVersion,
            kind: base.kind,
            metadata: { name, namespace },
          };
      desired.metadata.labels = {
        ...(desired.metadata.labels ?? {}),
        ...(base.metadata?.labels ?? {}),
        'crossplane.io/composite': composite.metadata.name,
        ...(composite.metadata.labels?.['crossplane.io/claim-name']
          ? {
              'crossplane.io/claim-name':
                composite.metadata.labels['crossplane.io/claim-name'],
              'crossplane.io/claim-namespace':
                composite.metadata.labels['crossplane.io/claim-namespace'],
            }
          : {}),
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
      if (!current)
        store.create(
          mrType,
          recordUpdate(undefined, desired, COMPOSITE_MANAGER),
        );
      else if (
        JSON.stringify(desired.spec) !== JSON.stringify(current.spec) ||
        JSON.stringify(desired.metadata.labels) !==
          JSON.stringify(current.metadata.labels)
      ) {
        store.update(mrType, recordUpdate(current, desired, COMPOSITE_MANAGER));
      }
      newRefs.push({
        apiVersion: base.apiVersion,
        kind: base.kind,
        name,
        ...(namespace ? { namespace } : {}),
      });
      if (current) {
        patchToComposite(current, next, template.patches as Patch[]);
        const mrSynced = conditionOf(current, 'Synced');
        if (mrSynced?.status === 'False')
          failure ??= `${current.kind} ${name}: ${
            mrSynced.message ?? mrSynced.reason
          }`;
        if (
          !composedReady(
            current,
            template.readinessChecks as ReadinessCheck[] | undefined,
          )
        )
          unready.push(`${template.name} (${base.kind} ${name})`);
        const secretRef = (current.spec as any)?.writeConnectionSecretToRef;
        const secret =
          secretRef?.name &&
          store.get(
            SECRET_TYPE,
            secretRef.namespace ?? namespace ?? 'crossplane-system',
            secretRef.name,
          );
        if (secret) Object.assign(connection, (secret as any).data ?? {});
      } else {
        unready.push(`${template.name} (${base.kind} ${name})`);
      }
    }
    nextRefsHolder.resourceRefs = newRefs;

    const generation = composite.metadata.generation;
    if (failure)
      setCondition(next, {
        type: 'Synced',
        status: 'False',
        reason: 'ReconcileError',
        message: failure,
        observedGeneration: generation,
      });
    else
      setCondition(next, {
        type: 'Synced',
        status: 'True',
        reason: 'ReconcileSuccess',
        observedGeneration: generation,
      });
    if (unready.length === 0 && templates.length > 0) {
      setCondition(next, {
        type: 'Ready',
        status: 'True',
        reason: 'Available',
        observedGeneration: generation,
      });
    } else {
      setCondition(next, {
        type: 'Ready',
        status: 'False',
        reason: 'Creating',
        message: `Unready resources: ${unready.join(', ')}`,
        observedGeneration: generation,
      });
    }
    const secretRef = next.spec.writeConnectionSecretToRef;
    if (secretRef?.name && Object.keys(connection).length)
      this.writeSecret(
        secretRef.namespace ?? namespace,
        secretRef.name,
        connection,
      );

    if (JSON.stringify(next) !== JSON.stringify(composite)) {
      const written = store.update(
        type,
        recordUpdate(composite, next, COMPOSITE_MANAGER),
      );
      if (written.metadata.generation !== composite.metadata.generation)
        this.enqueue(written);
    }
    // The claim follows the composite.
    const claimRef = next.spec.claimRef;
    if (claimRef) {
      const claimType = registry.byKind(claimRef.apiVersion, claimRef.kind);
      const claim =
        claimType && store.get(claimType, claimRef.namespace, claimRef.name);
      if (claim) this.enqueue(claim);
    }
  }

  private writeSecret(
    namespace: string,
    name: string,
    data: Record<string, string>,
  ): void {
    const existing = this.deps.store.get(SECRET_TYPE, namespace, name);
    if (
      existing &&
      JSON.stringify((existing as any).data) === JSON.stringify(data)
    )
      return;
    if (existing)
      this.deps.store.update(SECRET_TYPE, { ...existing, data } as any);
    else
      this.deps.store.create(SECRET_TYPE, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name, namespace },
        type: 'connection.crossplane.io/v1alpha1',
        data,
      } as any);
  }
}

/** Five characters the way Kubernetes' generateName picks them. */
function randomSuffix(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return Array.from(
    crypto.randomBytes(5),
    b => alphabet[b % alphabet.length],
  ).join('');
}

function shortHash(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex').slice(0, 5);
}
