/*
 * Sources that hold what a test puts in them and report each change to their listeners, as the
 * backend's watchers will (phase 2 wires the real ones).
 */
import { createBackendModule } from '@backstage/backend-plugin-api';
import { resourceWorkflowId } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import type { CompositeResourceDefinition, ObservedXrd } from '../generator';
import { crossplaneTemporalCatalogSourcesExtensionPoint } from '../sources/extensionPoint';
import type {
  ResourceChange,
  ResourceSource,
  ResourceSummary,
  XrdChange,
  XrdSource,
} from '../sources/types';

export class InMemoryXrdSource implements XrdSource {
  private readonly xrds = new Map<string, ObservedXrd>();
  private readonly listeners = new Set<(change: XrdChange) => void>();

  async listXrds(): Promise<ObservedXrd[]> {
    return [...this.xrds.values()].map(o => structuredClone(o));
  }

  subscribe(listener: (change: XrdChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Changes the XRD; `quietly` leaves the change for the next full list to find. */
  apply(cluster: string, xrd: CompositeResourceDefinition, options: { quietly?: boolean } = {}) {
    this.xrds.set(`${cluster}/${xrd.metadata.name}`, { cluster, xrd });
    if (!options.quietly)
      this.listeners.forEach(l => l({ type: 'upsert', cluster, xrd: structuredClone(xrd) }));
  }

  delete(cluster: string, name: string) {
    this.xrds.delete(`${cluster}/${name}`);
    this.listeners.forEach(l => l({ type: 'delete', cluster, name }));
  }
}

export class InMemoryResourceSource implements ResourceSource {
  private readonly resources = new Map<string, ResourceSummary>();
  private readonly listeners = new Set<{
    listener: (change: ResourceChange) => void;
    includeDiscovered: boolean;
  }>();

  async listResources(options: { includeDiscovered: boolean }) {
    return [...this.resources.values()].filter(
      r => options.includeDiscovered || r.origin === 'provisioned',
    );
  }

  subscribe(listener: (change: ResourceChange) => void, options: { includeDiscovered: boolean }) {
    const entry = { listener, includeDiscovered: options.includeDiscovered };
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  private emit(change: ResourceChange, origin: ResourceSummary['origin']) {
    for (const { listener, includeDiscovered } of this.listeners)
      if (includeDiscovered || origin === 'provisioned') listener(change);
  }

  upsert(resource: Omit<ResourceSummary, 'workflowId'>) {
    const summary = { ...resource, workflowId: resourceWorkflowId(resource.ref) };
    this.resources.set(summary.workflowId, summary);
    this.emit({ type: 'upsert', resource: summary }, summary.origin);
    return summary;
  }

  delete(summary: ResourceSummary) {
    this.resources.delete(summary.workflowId);
    this.emit({ type: 'delete', ref: summary.ref, workflowId: summary.workflowId }, summary.origin);
  }
}

/** A catalog module that gives the crossplane-temporal module these sources. */
export function sourcesModule(sources: { xrds?: XrdSource; resources?: ResourceSource }) {
  return createBackendModule({
    pluginId: 'catalog',
    moduleId: 'crossplane-temporal-test-sources',
    register(reg) {
      reg.registerInit({
        deps: { sources: crossplaneTemporalCatalogSourcesExtensionPoint },
        async init({ sources: point }) {
          if (sources.xrds) point.setXrdSource(sources.xrds);
          if (sources.resources) point.setResourceSource(sources.resources);
        },
      });
    },
  });
}
