/*
 * Who owns a resource a provision asks for. The backend derives it: the component's owner from
 * the catalog; else the owner the body names; else the caller's only group. Whether the caller
 * may act for that owner is the permission policy's decision, not this module's.
 */
import {
  parseEntityRef,
  stringifyEntityRef,
  type Entity,
} from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import type { Caller } from '../access/caller';

export async function ownerOfRequest(
  catalog: CatalogService,
  caller: Caller,
  body: { component?: string; owner?: string },
): Promise<{ owner: string; component?: string }> {
  if (body.component) {
    const componentRef = normalizedRef(body.component, 'component');
    const entity = await catalog.getEntityByRef(componentRef, {
      credentials: caller.credentials,
    });
    if (!entity) {
      throw new InputError(
        `component ${componentRef} is not in the catalog (or you may not see it); name an entity that exists`,
      );
    }
    const owner = ownerOfEntity(entity);
    if (!owner) {
      throw new InputError(
        `${componentRef} has no owner in the catalog, so its resources could have none; give it an owner first`,
      );
    }
    if (body.owner && normalizedRef(body.owner, 'group') !== owner) {
      throw new InputError(
        `owner ${body.owner} is not the owner of ${componentRef} (${owner}); the owner comes from the component, so leave it out`,
      );
    }
    return { owner, component: componentRef };
  }
  if (body.owner) return { owner: normalizedRef(body.owner, 'group') };
  const groups = caller.ownershipEntityRefs.filter(r => r.startsWith('group:'));
  if (groups.length === 1) return { owner: groups[0] };
  throw new InputError(
    `say who owns the resource: name its component, or an owner among your groups (${
      groups.join(', ') || 'you belong to none'
    })`,
  );
}

/** An entity ref in its full, lowercase form; 400 when it is not one. */
function normalizedRef(ref: string, defaultKind: string): string {
  try {
    return stringifyEntityRef(
      parseEntityRef(ref, { defaultKind, defaultNamespace: 'default' }),
    ).toLocaleLowerCase('en-US');
  } catch (error) {
    throw new InputError(`'${ref}' is not an entity ref: ${error}`);
  }
}

function ownerOfEntity(entity: Entity): string | undefined {
  const owner = (entity.spec as { owner?: unknown } | undefined)?.owner;
  if (typeof owner !== 'string' || owner === '') return undefined;
  return stringifyEntityRef(
    parseEntityRef(owner, {
      defaultKind: 'group',
      defaultNamespace: entity.metadata.namespace ?? 'default',
    }),
  ).toLocaleLowerCase('en-US');
}
