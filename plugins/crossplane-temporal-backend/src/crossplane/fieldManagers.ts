/*
 * Who changed an object, from its managedFields' manager names: this plugin, Crossplane and its
 * providers, or someone else (drift). Shared by the watchers and the workflow.
 */
import { FIELD_MANAGER } from '@crossplane-temporal/plugin-crossplane-temporal-common';

/** Crossplane's own controllers and its providers. */
function isControllerManager(manager: string): boolean {
  return /crossplane|provider|composite|claim/i.test(manager);
}

/** A field manager that is neither this plugin nor Crossplane or a provider. */
export function isOutsider(manager: string | undefined): boolean {
  return (
    manager !== undefined &&
    manager !== '' &&
    manager !== FIELD_MANAGER &&
    !isControllerManager(manager)
  );
}
