/*
 * Connection secrets: written by composites from their composed resources' secrets, copied to
 * the claim's namespace, and deleted with their owner. Only written when the data changed.
 */
import type { ObjectStore } from '../store/ObjectStore';
import { SECRET_TYPE } from '../store/ResourceRegistry';
import type { KubeObject } from '../store/types';

/** Creates or updates the secret `namespace/name` with `data`. */
export function writeConnectionSecret(
  store: ObjectStore,
  namespace: string,
  name: string,
  data: Record<string, string>,
): void {
  const existing = store.get(SECRET_TYPE, namespace, name);
  if (
    existing &&
    JSON.stringify((existing as any).data) === JSON.stringify(data)
  )
    return;
  if (existing) store.update(SECRET_TYPE, { ...existing, data } as any);
  else
    store.create(SECRET_TYPE, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace },
      type: 'connection.crossplane.io/v1alpha1',
      data,
    } as any);
}

/** A claim's copy of its composite's connection secret, once the composite has one. */
export function copyConnectionSecret(
  store: ObjectStore,
  composite: KubeObject,
  namespace: string,
  name: string,
): void {
  const ref = (composite.spec as any)?.writeConnectionSecretToRef;
  if (!ref?.name) return;
  const source = store.get(SECRET_TYPE, ref.namespace, ref.name);
  if (!source) return;
  writeConnectionSecret(store, namespace, name, (source as any).data);
}

export function deleteConnectionSecret(
  store: ObjectStore,
  namespace: string | undefined,
  name: string | undefined,
): void {
  if (name && store.get(SECRET_TYPE, namespace, name))
    store.delete(SECRET_TYPE, namespace, name);
}
