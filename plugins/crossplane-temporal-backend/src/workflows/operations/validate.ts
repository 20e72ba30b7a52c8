import type {
  JsonObject,
  Requester,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import { PATCHES } from '../patches';
import type { ResourceEntity } from '../ResourceEntity';

/** Validation and a server-side dry-run, as the requester: nothing written when they fail. */
export async function validate(
  entity: ResourceEntity,
  spec: JsonObject,
  requester: Requester,
  requestId: string,
  force?: boolean,
): Promise<void> {
  const { ref } = entity;
  entity.state.phase = 'Validating';
  entity.step(
    'validate',
    'started',
    'checking the spec against the XRD schema and by a server-side dry-run',
  );
  const desired = {
    ref,
    spec,
    labels: entity.objectLabels(),
    annotations: entity.objectAnnotations(requester, requestId),
    as: entity.identity(requester),
    ...(force ? { force } : {}),
  };
  const { validation } = entity.activities;
  if (entity.runtime.patched(PATCHES.fewerRoundTrips)) {
    await validation.validateAndDryRun(desired);
  } else {
    await validation.validateSpec({ ref, spec });
    await validation.dryRunApply(desired);
  }
  entity.step('validate', 'succeeded', 'the cluster accepts the spec');
}
