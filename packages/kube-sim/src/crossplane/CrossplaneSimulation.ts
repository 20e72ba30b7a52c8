/*
 * Crossplane's controllers, simulated: every change in the store queues its object, and each is
 * reconciled by the controller of its kind: XRDs (`reconcileXrd`), claims (`reconcileClaim`),
 * composites (`reconcileComposite`) and managed resources (the simulated provider), with the
 * conditions, labels, finalizers and deletion order real Crossplane has.
 */
import { EventRecorder } from '../controllers/EventRecorder';
import type { Log } from '../logger';
import type { ObjectStore } from '../store/ObjectStore';
import { CRD_TYPE, type ResourceRegistry } from '../store/ResourceRegistry';
import type { KubeObject } from '../store/types';
import { CompositeDefinitions } from './CompositeDefinitions';
import { ReconcileQueue } from './ReconcileQueue';
import { reconcileClaim, type ClaimControllerDeps } from './reconcileClaim';
import { reconcileComposite } from './reconcileComposite';
import { reconcileXrd } from './reconcileXrd';
import { SimulatedProvider } from './SimulatedProvider';
import { crossplaneCrds } from './xrdCrds';

export class CrossplaneSimulation {
  readonly provider: SimulatedProvider;
  private readonly queue: ReconcileQueue;
  private readonly definitions = new CompositeDefinitions();
  private readonly controllerDeps: ClaimControllerDeps;
  private unsubscribe = () => {};

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
    this.queue = new ReconcileQueue(deps.log);
    this.provider = new SimulatedProvider(
      deps.store,
      deps.log,
      deps.providerDelayMs,
    );
    this.controllerDeps = {
      store: deps.store,
      registry: deps.registry,
      events: new EventRecorder(deps.store, 'crossplane'),
      claimConditionGenerations: deps.claimConditionGenerations,
      enqueue: object => this.enqueue(object),
    };
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
    this.queue.add(key, () => this.dispatch(object));
  }

  /** Hands the object's current state to the controller of its kind. */
  private dispatch(object: KubeObject): void {
    const { registry, store } = this.deps;
    if (
      object.apiVersion.startsWith('apiextensions.crossplane.io/') &&
      object.kind === 'CompositeResourceDefinition'
    ) {
      reconcileXrd({ store, registry, definitions: this.definitions }, object);
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
    const definition = this.definitions.of(type);
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
      reconcileClaim(this.controllerDeps, type, current, definition);
    else if (definition.compositeKind === type.kind)
      reconcileComposite(this.controllerDeps, type, current, definition);
  }

  /** A managed resource changed: the composite that composed it reconciles again. */
  private requeueComposite(managed: KubeObject, compositeName: string): void {
    for (const d of this.definitions.all()) {
      for (const type of this.deps.registry
        .all()
        .filter(t => t.group === d.group && t.kind === d.compositeKind)) {
        const namespace = d.v2 ? managed.metadata.namespace : undefined;
        const composite = this.deps.store.get(type, namespace, compositeName);
        if (composite) this.enqueue(composite);
      }
    }
  }
}
