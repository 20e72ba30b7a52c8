/*
 * What update and deprovision share: a dry run or the request itself (sent once), then which
 * workflow took it and where to follow it.
 */
import type { ActionContext } from '@backstage/plugin-scaffolder-node';
import type {
  RequestAcceptedAnswer,
  ResourceRef,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import type { CrossplaneTemporalService } from '@crossplane-temporal/plugin-crossplane-temporal-node';
import { describeDryRun } from './dryRunReport';
import type { ResourceLinks } from './links';
import type { Zod } from './resourceInput';
import { sendOnce } from './sendOnce';

export const acceptedOutput = {
  workflowId: (z: Zod) =>
    z.string().describe("The ID of the resource's Temporal workflow."),
  requestId: (z: Zod) =>
    z.string().describe('The ID of this request, as the API knows it.'),
  entityRef: (z: Zod) =>
    z.string().describe("The resource's catalog entity ref."),
  entityPageUrl: (z: Zod) =>
    z
      .string()
      .describe(
        "The resource's page in the catalog, where its progress shows.",
      ),
};

export async function requestOrDryRun(options: {
  ctx: ActionContext<any, any>;
  api: CrossplaneTemporalService;
  operation: 'update' | 'deprovision';
  ref: ResourceRef;
  links: ResourceLinks;
  body: Parameters<CrossplaneTemporalService['dryRun']>[2];
  /** How the log names the request, e.g. `The change to PostgreSQLInstance team-alpha/orders-db`. */
  what: string;
  send: (requestId: string) => Promise<RequestAcceptedAnswer>;
}) {
  const { ctx, api, operation, ref, links, body, what, send } = options;
  let answer: { workflowId: string; requestId: string };
  if (ctx.isDryRun) {
    const dryRun = await api.dryRun(operation, ref, body, {
      credentials: await ctx.getInitiatorCredentials(),
    });
    describeDryRun(ctx.logger, dryRun);
    answer = { workflowId: dryRun.workflowId, requestId: 'dry-run' };
  } else {
    const accepted = await sendOnce(ctx, operation, send);
    ctx.logger.info(
      `${what} was accepted (workflow ${accepted.workflowId}, request ${accepted.requestId}); follow it at ${links.entityPageUrl}`,
    );
    answer = accepted;
  }
  ctx.output('workflowId', answer.workflowId);
  ctx.output('requestId', answer.requestId);
  ctx.output('entityRef', links.entityRef);
  ctx.output('entityPageUrl', links.entityPageUrl);
}
