import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { acceptedOutput, requestOrDryRun } from './acceptedOutputs';
import { resourceLinks } from './links';
import type { ResourceActionOptions } from './provision';
import {
  checkInput,
  refOf,
  resourceRefInput,
  resourceRefRules,
  specInput,
} from './resourceInput';
import { examples } from './update.examples';

/** @public */
export const UPDATE_ACTION_ID = 'crossplane:resource:update';

/**
 * Asks for a provisioned resource's spec to change, as the person running the template. The
 * workflow applies it and rolls back to the last good spec if Crossplane does not report it
 * Ready; the action returns once the request is accepted.
 *
 * @public
 */
export function createUpdateAction(options: ResourceActionOptions) {
  const { api, appBaseUrl, entityNamespace } = options;

  return createTemplateAction({
    id: UPDATE_ACTION_ID,
    description:
      "Asks the crossplane-temporal backend to change a Crossplane resource's spec, as the person running the template. A change that fails is rolled back to the last good spec; follow it on the resource's page.",
    examples,
    supportsDryRun: true,
    schema: {
      input: { ...resourceRefInput, spec: specInput },
      output: acceptedOutput,
    },
    async handler(ctx) {
      checkInput(UPDATE_ACTION_ID, ctx.input, {
        allowed: ['cluster', 'namespace', 'apiVersion', 'kind', 'name', 'spec'],
        names: resourceRefRules,
        spec: true,
      });
      const ref = refOf(ctx.input);
      const credentials = await ctx.getInitiatorCredentials();
      const links = resourceLinks({ ref, appBaseUrl, entityNamespace });
      await requestOrDryRun({
        ctx,
        api,
        operation: 'update',
        ref,
        links,
        body: { spec: ctx.input.spec },
        what: `The change to ${ref.kind} ${ref.namespace}/${ref.name}`,
        send: requestId =>
          api.update(ref, { spec: ctx.input.spec, requestId }, { credentials }),
      });
    },
  });
}
