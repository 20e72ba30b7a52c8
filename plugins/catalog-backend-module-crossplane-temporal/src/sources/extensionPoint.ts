/*
 * How another module of the catalog gives this one its sources (the backend's watchers, or a
 * test's in-memory lists).
 */
import { createExtensionPoint } from '@backstage/backend-plugin-api';
import type { ResourceSource, XrdSource } from './types';

/** @public */
export interface CrossplaneTemporalCatalogSourcesExtensionPoint {
  setXrdSource(source: XrdSource): void;
  setResourceSource(source: ResourceSource): void;
}

/**
 * Set the XRD and resource sources of the crossplane-temporal catalog module.
 *
 * @public
 */
export const crossplaneTemporalCatalogSourcesExtensionPoint =
  createExtensionPoint<CrossplaneTemporalCatalogSourcesExtensionPoint>({
    id: 'catalog.crossplane-temporal.sources',
  });
