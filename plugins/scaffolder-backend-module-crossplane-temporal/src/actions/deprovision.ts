import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { acceptedOutput, requestOrDryRun } from './acceptedOutputs';
import { examples } from './deprovision.examples';
import { resourceLinks } from './links';
import type { ResourceActionOptions } from './provision';
import {
  checkInput,
  refOf,
  resourceRefInput,
  resourceRefRules,
} from './resourceInput';

/** @public */
export const DEPROVISION_ACTION_ID = 'crossplane:resource:deprovision';

/**
 * Asks for a resource and everything composed from it to be deleted, as the person running the
 * template; returns once the request is accepted (an approval may still be needed).
 *
 * @public
 */
export function createDeprovisionAction(options: ResourceActionOptions) {
  const { api, appBaseUrl, entityNamespace } = options;

  return createTemplateAction({
    id: DEPROVISION_ACTION_ID,
    description:
      'Asks the crossplane-temporal backend to delete a Crossplane resource and everything composed from it, as the person running the template. Its history is kept.',
    examples,
    supportsDryRun: true,
    schema: {
      input: resourceRefInput,
      output: acceptedOutput,
    },
    async handler(ctx) {
      checkInput(DEPROVISION_ACTION_ID, ctx.input, {
        allowed: ['cluster', 'namespace', 'apiVersion', 'kind', 'name'],
        names: resourceRefRules,
      });
      const ref = refOf(ctx.input);
      const credentials = await ctx.getInitiatorCredentials();
      const links = resourceLinks({ ref, appBaseUrl, entityNamespace });

      await requestOrDryRun({
        ctx,
        api,
        operation: 'deprovision',
        ref,
        links,
        body: {},
        what: `Deprovisioning ${ref.kind} ${ref.namespace}/${ref.name}`,
        send: requestId => api.deprovision(ref, { requestId }, { credentials }),
      });
    },
  });
}
