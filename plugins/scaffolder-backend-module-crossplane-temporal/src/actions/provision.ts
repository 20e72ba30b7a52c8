import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import type { CrossplaneTemporalService } from '@crossplane-temporal/plugin-crossplane-temporal-node';
import { describeDryRun } from './dryRunReport';
import { examples } from './provision.examples';
import { resourceLinks } from './links';
import {
  checkInput,
  refOf,
  resourceRefInput,
  resourceRefRules,
  specInput,
} from './resourceInput';
import { sendOnce } from './sendOnce';
import {
  DEFAULT_POLLING,
  waitForSettled,
  type Polling,
} from './waitForSettled';

/** @public */
export const PROVISION_ACTION_ID = 'crossplane:resource:provision';

/**
 * What the actions need: the API service, and where links in their outputs point.
 *
 * @public
 */
export interface ResourceActionOptions {
  api: CrossplaneTemporalService;
  /** The app's base URL, for the links in the outputs. */
  appBaseUrl: string;
  /** The catalog namespace of Resource entities. */
  entityNamespace: string;
  polling?: Polling;
}

/** A full entity ref from what a form gives (`team-alpha`, `group:team-alpha`, or full). */
function fullRef(value: string | undefined, defaultKind: string) {
  if (!value) return undefined;
  return stringifyEntityRef(
    parseEntityRef(value, { defaultKind, defaultNamespace: 'default' }),
  );
}

/**
 * Provisions a Crossplane claim or namespaced composite through the crossplane-temporal backend,
 * as the person running the template, and waits for Crossplane to report it Ready (unless
 * `waitForReady` is false).
 *
 * @public
 */
export function createProvisionAction(options: ResourceActionOptions) {
  const { api, appBaseUrl, entityNamespace } = options;
  const polling = options.polling ?? DEFAULT_POLLING;

  return createTemplateAction({
    id: PROVISION_ACTION_ID,
    description:
      'Asks the crossplane-temporal backend for a Crossplane resource (a claim or a namespaced composite), as the person running the template, and waits for it to be Ready. A durable workflow checks it against the XRD, waits for an approval when the policy says so, applies it and follows it; the outputs link to its catalog entity.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        ...resourceRefInput,
        owner: z =>
          z
            .string()
            .optional()
            .describe(
              "The group that owns the resource when there is no component, e.g. group:default/team-alpha; defaults to the component's owner.",
            ),
        component: z =>
          z
            .string()
            .optional()
            .describe(
              'The component it is for, e.g. component:default/checkout-service: the resource depends on it and its owner owns the resource.',
            ),
        spec: specInput,
        waitForReady: z =>
          z
            .boolean()
            .optional()
            .describe(
              'Wait until Crossplane reports it Ready, writing its progress to the log (default true); false returns as soon as the request is accepted.',
            ),
      },
      output: {
        workflowId: z =>
          z.string().describe("The ID of the resource's Temporal workflow."),
        requestId: z =>
          z.string().describe('The ID of this request, as the API knows it.'),
        phase: z =>
          z
            .string()
            .describe(
              'The phase it reached: Ready, or where it was when the action returned.',
            ),
        entityRef: z =>
          z.string().describe("The resource's catalog entity ref."),
        entityPageUrl: z =>
          z.string().describe("The resource's page in the catalog."),
        resourcesUrl: z =>
          z.string().optional().describe("The component's resources tab."),
      },
    },
    async handler(ctx) {
      checkInput(PROVISION_ACTION_ID, ctx.input, {
        allowed: [
          'cluster',
          'namespace',
          'apiVersion',
          'kind',
          'name',
          'owner',
          'component',
          'spec',
          'waitForReady',
        ],
        names: resourceRefRules,
        entityRefs: ['owner', 'component'],
        spec: true,
        booleans: ['waitForReady'],
      });
      const ref = refOf(ctx.input);
      const component = fullRef(ctx.input.component, 'component');
      const owner = fullRef(ctx.input.owner, 'group');
      const credentials = await ctx.getInitiatorCredentials();
      const links = resourceLinks({
        ref,
        appBaseUrl,
        entityNamespace,
        component,
      });
      const body = {
        spec: ctx.input.spec,
        ...(component ? { component } : {}),
        ...(owner ? { owner } : {}),
      };

      if (ctx.isDryRun) {
        const answer = await api.dryRun('provision', ref, body, {
          credentials,
        });
        describeDryRun(ctx.logger, answer);
        ctx.output('workflowId', answer.workflowId);
        ctx.output('requestId', 'dry-run');
        ctx.output('phase', 'DryRun');
        ctx.output('entityRef', links.entityRef);
        ctx.output('entityPageUrl', links.entityPageUrl);
        if (links.resourcesUrl) ctx.output('resourcesUrl', links.resourcesUrl);
        return;
      }

      const accepted = await sendOnce(ctx, 'provision', requestId =>
        api.provision(ref, { ...body, requestId }, { credentials }),
      );
      ctx.logger.info(
        `${ref.kind} ${ref.namespace}/${ref.name} requested on ${
          ref.cluster
        } (workflow ${accepted.workflowId}, request ${accepted.requestId}${
          accepted.firstTime ? '' : ', accepted before'
        }); follow it at ${links.entityPageUrl}`,
      );
      ctx.output('workflowId', accepted.workflowId);
      ctx.output('requestId', accepted.requestId);
      ctx.output('entityRef', links.entityRef);
      ctx.output('entityPageUrl', links.entityPageUrl);
      if (links.resourcesUrl) ctx.output('resourcesUrl', links.resourcesUrl);

      if (ctx.input.waitForReady === false) {
        ctx.output('phase', 'Pending');
        return;
      }
      const settled = await waitForSettled({
        api,
        ref,
        requestId: accepted.requestId,
        operation: 'provision',
        credentials,
        logger: ctx.logger,
        polling,
        signal: ctx.signal,
      });
      if (settled.outcome !== 'ready') {
        throw new Error(
          `${ref.kind} ${ref.namespace}/${ref.name} was not provisioned: ${
            settled.phase
          }${
            settled.lastError ? `: ${settled.lastError}` : ''
          }. Its history and a retry are at ${links.entityPageUrl}`,
        );
      }
      ctx.output('phase', settled.phase);
    },
  });
}
