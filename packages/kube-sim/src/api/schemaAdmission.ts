/*
 * Custom resources against their CRD version's OpenAPI v3 schema, on every write: defaults
 * filled in, unknown fields pruned, then validated, with Kubernetes' `Invalid` causes.
 */
import { defaultAndPrune, validate } from '../schema/structural';
import type { ResourceRegistry } from '../store/ResourceRegistry';
import type { KubeObject, ResourceType } from '../store/types';
import { StatusError } from './status';

/** Defaults and prunes `object` in place; 422 when it does not validate. Types without a schema pass. */
export function admitCustomResource(
  registry: ResourceRegistry,
  type: ResourceType,
  object: KubeObject,
): void {
  const schema = registry.schemaOf(type);
  if (!schema) return;
  const { metadata, apiVersion, kind, ...rest } = object;
  const body = defaultAndPrune(schema, { ...rest }) as Record<string, unknown>;
  for (const key of Object.keys(object))
    if (!['metadata', 'apiVersion', 'kind'].includes(key))
      delete (object as any)[key];
  Object.assign(object, body, { metadata, apiVersion, kind });
  const problems = validate(schema, { ...body }, '').map(p => ({
    ...p,
    field: p.field.replace(/^\./, ''),
  }));
  if (problems.length)
    throw StatusError.invalid(type.kind, object.metadata.name, problems);
}
