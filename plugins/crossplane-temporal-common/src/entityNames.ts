/*
 * Catalog entity names for what the suite puts in the catalog: a Resource entity per resource, an
 * API entity per XRD. Both sides (the catalog module that writes them, the frontend and backend
 * that link to them) compute the same name from the same identity, so none has to look it up.
 */
import type { ResourceRef } from './resourceRef';

/** The longest entity name the catalog accepts. @public */
export const MAX_ENTITY_NAME_LENGTH = 63;

const HASH_LENGTH = 8;

/**
 * A short, stable hash of a string (two FNV-1a rounds with different offsets, 8 base-36 digits).
 * Not for security: it only tells long names apart once they are shortened.
 *
 * @internal
 */
export function shortHash(value: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x9e3779b9;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    a = Math.imul(a ^ code, 0x01000193) >>> 0;
    b = Math.imul(b ^ code, 0x01000193 + 2) >>> 0;
  }
  const digits = (a.toString(36) + b.toString(36)).padStart(HASH_LENGTH, '0');
  return digits.slice(-HASH_LENGTH);
}

/**
 * A valid catalog entity name made from a readable string: characters the catalog refuses become
 * dashes, and a name longer than 63 characters is cut and ends with a short hash of the whole
 * readable string, so that it stays unique and is the same every time.
 *
 * @public
 */
export function boundedEntityName(readable: string): string {
  const cleaned = readable
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/[^A-Za-z0-9]+$/, '');
  if (cleaned.length > 0 && cleaned.length <= MAX_ENTITY_NAME_LENGTH) {
    return cleaned;
  }
  const room = MAX_ENTITY_NAME_LENGTH - HASH_LENGTH - 1;
  const prefix = cleaned.slice(0, room).replace(/[^A-Za-z0-9]+$/, '');
  const hash = shortHash(readable);
  return prefix ? `${prefix}-${hash}` : hash;
}

/**
 * The name of a resource's `Resource` entity: `<name>.<kind>.<namespace>.<cluster>`, most
 * specific first, shortened with a hash when longer than 63 characters.
 *
 * @public
 */
export function resourceEntityName(
  ref: Pick<ResourceRef, 'cluster' | 'namespace' | 'kind' | 'name'>,
): string {
  return boundedEntityName(
    `${ref.name}.${ref.kind.toLowerCase()}.${ref.namespace}.${ref.cluster}`,
  );
}

/**
 * The name of the `API` entity that describes an XRD's offered kind (the claim's kind for
 * Crossplane v1 claims, the composite's for v2 namespaced composites): `<kind>.<group>`.
 *
 * @public
 */
export function xrdApiEntityName(apiGroup: string, kind: string): string {
  return boundedEntityName(`${kind.toLowerCase()}.${apiGroup}`);
}

/**
 * Where the frontend shows a component's resources: the component page's tab, so that links from
 * the catalog, the scaffolder's output and notifications all lead to the same place.
 *
 * @public
 */
export const COMPONENT_RESOURCES_TAB = 'crossplane-resources';

/**
 * The path (below the app's base URL) of a component's resources tab, from its entity ref
 * (`component:default/checkout-service`, or `checkout-service` for the default namespace).
 *
 * @public
 */
export function componentResourcesPath(componentRef: string): string {
  const match = /^(?:([^:]+):)?(?:([^/]+)\/)?(.+)$/.exec(componentRef);
  const kind = (match?.[1] ?? 'component').toLowerCase();
  const namespace = match?.[2] ?? 'default';
  const name = match?.[3] ?? componentRef;
  return `/catalog/${encodeURIComponent(namespace)}/${encodeURIComponent(
    kind,
  )}/${encodeURIComponent(name)}/${COMPONENT_RESOURCES_TAB}`;
}
