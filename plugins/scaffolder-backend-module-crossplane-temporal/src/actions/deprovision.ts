import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { acceptedOutput, outputAccepted } from './acceptedOutputs';
import { examples } from './deprovision.examples';
import { describeDryRun } from './dryRunReport';
import { resourceLinks } from './links';
import type { ResourceActionOptions } from './provision';
import {
  checkInput,
  refOf,
  resourceRefInput,
  resourceRefRules,
} from './resourceInput';
import { sendOnce } from './sendOnce';

export const DEPROVISION_ACTION_ID = 'crossplane:resource:deprovision';

/**
 * Asks for a resource and everything composed from it to be deleted, as the person running the
 * template; returns once the request is accepted (an approval may still be needed).
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

      if (ctx.isDryRun) {
        const answer = await api.dryRun(
          'deprovision',
          ref,
          {},
          { credentials },
        );
        describeDryRun(ctx.logger, answer);
        outputAccepted(
          ctx.output,
          { workflowId: answer.workflowId, requestId: 'dry-run' },
          links,
        );
        return;
      }

      const accepted = await sendOnce(ctx, 'deprovision', requestId =>
        api.deprovision(ref, { requestId }, { credentials }),
      );
      ctx.logger.info(
        `Deprovisioning ${ref.kind} ${ref.namespace}/${ref.name} was accepted (workflow ${accepted.workflowId}, request ${accepted.requestId}); follow it at ${links.entityPageUrl}`,
      );
      outputAccepted(ctx.output, accepted, links);
    },
  });
}
