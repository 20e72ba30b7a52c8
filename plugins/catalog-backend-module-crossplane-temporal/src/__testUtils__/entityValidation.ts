/*
 * The checks the catalog makes on an entity before it stores it: the envelope and entity schema,
 * the default policies, and the kind's own validator (the scaffolder's for templates).
 */
import {
  apiEntityV1alpha1Validator,
  DefaultNamespaceEntityPolicy,
  EntityPolicies,
  FieldFormatEntityPolicy,
  NoForeignRootFieldsEntityPolicy,
  resourceEntityV1alpha1Validator,
  SchemaValidEntityPolicy,
  type Entity,
} from '@backstage/catalog-model';
import { templateEntityV1beta3Validator } from '@backstage/plugin-scaffolder-common';

const policies = EntityPolicies.allOf([
  new DefaultNamespaceEntityPolicy(),
  new NoForeignRootFieldsEntityPolicy(),
  new FieldFormatEntityPolicy(),
  new SchemaValidEntityPolicy(),
]);

const kindValidators: Record<string, typeof apiEntityV1alpha1Validator> = {
  Template: templateEntityV1beta3Validator,
  API: apiEntityV1alpha1Validator,
  Resource: resourceEntityV1alpha1Validator,
};

/** Throws what the catalog would refuse; resolves when it would accept the entity. */
export async function expectValidEntity(entity: Entity): Promise<void> {
  await policies.enforce(structuredClone(entity));
  const validator = kindValidators[entity.kind];
  if (!validator) throw new Error(`no validator for kind ${entity.kind}`);
  // check() throws with the schema's complaint, or answers false for another kind.
  expect(await validator.check(structuredClone(entity))).toBe(true);
}
