/*
 * The status subresource's rules, for types that have one: a write to the main resource keeps the
 * stored status, a write to /status keeps everything but the status (and its resourceVersion, for
 * optimistic concurrency).
 */
import type { KubeObject } from '../store/types';
import type { Route } from './routing';

/** What `next` becomes when written through `route` over `current`. */
export function mergeStatusSubresource(
  route: Route,
  current: KubeObject | undefined,
  next: KubeObject,
): KubeObject {
  if (!route.type.hasStatus || !current) return next;
  if (route.subresource === 'status') {
    return {
      ...current,
      status: (next as any).status,
      metadata: {
        ...current.metadata,
        resourceVersion:
          next.metadata.resourceVersion ?? current.metadata.resourceVersion,
      },
    };
  }
  return { ...next, status: (current as any).status };
}
