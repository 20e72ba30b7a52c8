/*
 * The crossplane-temporal operations in Backstage's actions registry, for the MCP actions backend
 * to offer AI assistants (and for any other consumer of the actions service). Each action calls
 * the REST API through the -node service with the calling principal's credentials, so the same
 * permission policy, tenancy rules, approvals and audit apply as in the browser: an assistant
 * acting for alice can do what alice can, nothing more.
 */
import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import type { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import type { CrossplaneTemporalService } from '../CrossplaneTemporalService';
import { INPUT_PATTERNS } from '../inputPatterns';

type Zod = Parameters<
  Parameters<ActionsRegistryService['register']>[0]['schema']['input']
>[0];

const P = INPUT_PATTERNS;

/** A string field that must match one of the API's name patterns. */
function named(z: Zod, field: keyof typeof INPUT_PATTERNS) {
  const { pattern, maxLength, expected } = P[field];
  return z
    .string()
    .max(maxLength, `at most ${maxLength} characters: ${expected}`)
    .regex(pattern, expected);
}

/** Which resource: the fields every action but the list takes. */
function resourceShape(z: Zod) {
  return {
    cluster: named(z, 'cluster').describe(
      "The cluster's name in app-config, e.g. `local`.",
    ),
    namespace: named(z, 'namespace').describe(
      'The Kubernetes namespace, e.g. `team-alpha`.',
    ),
    apiVersion: named(z, 'apiVersion').describe(
      '`group/version`, e.g. `database.example.org/v1alpha1`.',
    ),
    kind: named(z, 'kind').describe(
      'The claim or composite kind, e.g. `PostgreSQLInstance`.',
    ),
    name: named(z, 'name').describe(
      'The resource name (DNS-1123), e.g. `orders-db`.',
    ),
  };
}

function requestIdShape(z: Zod) {
  return named(z, 'requestId')
    .optional()
    .describe(
      'An idempotency key: sending the same ID again answers the first outcome without doing it twice. Pass one when you may retry.',
    );
}

function acceptedShape(z: Zod) {
  return z.object({
    requestId: z.string(),
    firstTime: z
      .boolean()
      .describe('False when the request ID had been accepted before.'),
    workflowId: z.string(),
  });
}

const specDescription =
  "The resource's `spec`, as the kind's XRD schema describes it (the kind's `schema` in list-requestable-kinds).";

/** @public */
export function registerResourceActions(options: {
  actionsRegistry: ActionsRegistryService;
  api: CrossplaneTemporalService;
}) {
  const { actionsRegistry, api } = options;
  const refOf = (input: {
    cluster: string;
    namespace: string;
    apiVersion: string;
    kind: string;
    name: string;
  }) => ({
    cluster: input.cluster,
    namespace: input.namespace,
    apiVersion: input.apiVersion,
    kind: input.kind,
    name: input.name,
  });
  const acceptedOutput = (answer: {
    requestId: string;
    firstTime: boolean;
    workflowId: string;
  }) => ({
    output: {
      requestId: answer.requestId,
      firstTime: answer.firstTime,
      workflowId: answer.workflowId,
    },
  });

  actionsRegistry.register({
    name: 'provision-resource',
    title: 'Provision a Crossplane resource',
    description:
      'Asks for a cloud resource (a Crossplane claim or namespaced composite) to be created with the given spec, for a catalog component. A durable workflow validates it, waits for an approval when the policy says so, applies it and waits for Crossplane to report it Ready; follow it with get-resource-status.',
    attributes: { destructive: false, idempotent: true, readOnly: false },
    schema: {
      input: z =>
        z
          .object({
            ...resourceShape(z),
            spec: z.record(z.string(), z.unknown()).describe(specDescription),
            component: named(z, 'entityRef')
              .optional()
              .describe(
                'The component it is for, e.g. `component:default/checkout-service`; its owner owns the resource.',
              ),
            owner: named(z, 'entityRef')
              .optional()
              .describe(
                'The owning group when there is no component: one of your groups.',
              ),
            requestId: requestIdShape(z),
          })
          .strict(),
      output: acceptedShape,
    },
    action: async ({ input, credentials }) =>
      acceptedOutput(
        await api.provision(
          refOf(input),
          {
            spec: input.spec,
            ...(input.component ? { component: input.component } : {}),
            ...(input.owner ? { owner: input.owner } : {}),
            ...(input.requestId ? { requestId: input.requestId } : {}),
          },
          { credentials },
        ),
      ),
  });

  actionsRegistry.register({
    name: 'update-resource',
    title: "Change a Crossplane resource's spec",
    description:
      "Asks for a provisioned resource's spec to become the given one. A change that fails is rolled back to the last good spec.",
    attributes: { destructive: true, idempotent: true, readOnly: false },
    schema: {
      input: z =>
        z
          .object({
            ...resourceShape(z),
            spec: z.record(z.string(), z.unknown()).describe(specDescription),
            requestId: requestIdShape(z),
          })
          .strict(),
      output: acceptedShape,
    },
    action: async ({ input, credentials }) =>
      acceptedOutput(
        await api.update(
          refOf(input),
          {
            spec: input.spec,
            ...(input.requestId ? { requestId: input.requestId } : {}),
          },
          { credentials },
        ),
      ),
  });

  /** An operation on a resource that takes nothing but an optional request ID. */
  const registerRequest = (
    action: { name: string; title: string; description: string },
    attributes: { destructive: boolean },
    send: (
      ref: ReturnType<typeof refOf>,
      body: { requestId?: string },
      options: { credentials: BackstageCredentials },
    ) => Promise<{ requestId: string; firstTime: boolean; workflowId: string }>,
  ) =>
    actionsRegistry.register({
      ...action,
      attributes: { ...attributes, idempotent: true, readOnly: false },
      schema: {
        input: z =>
          z
            .object({ ...resourceShape(z), requestId: requestIdShape(z) })
            .strict(),
        output: acceptedShape,
      },
      action: async ({ input, credentials }) =>
        acceptedOutput(
          await send(
            refOf(input),
            input.requestId ? { requestId: input.requestId } : {},
            { credentials },
          ),
        ),
    });

  registerRequest(
    {
      name: 'deprovision-resource',
      title: 'Deprovision a Crossplane resource',
      description:
        'Asks for the resource and everything composed from it to be deleted. Its history is kept.',
    },
    { destructive: true },
    (target, body, call) => api.deprovision(target, body, call),
  );

  actionsRegistry.register({
    name: 'decide-resource-approval',
    title: 'Approve or reject a waiting request',
    description:
      "Approves or rejects the request waiting for approval on a resource (its pendingApproval.requestId from get-resource-status or list-pending-approvals). Only the policy's approvers may decide, never the requester.",
    attributes: { destructive: true, idempotent: true, readOnly: false },
    schema: {
      input: z =>
        z
          .object({
            ...resourceShape(z),
            requestId: named(z, 'requestId').describe(
              'The ID of the request waiting for approval.',
            ),
            approved: z.boolean().describe('True to approve, false to reject.'),
            comment: z.string().max(1000).optional(),
          })
          .strict(),
      output: acceptedShape,
    },
    action: async ({ input, credentials }) =>
      acceptedOutput(
        await api.decideApproval(
          refOf(input),
          {
            requestId: input.requestId,
            approved: input.approved,
            ...(input.comment ? { comment: input.comment } : {}),
          },
          { credentials },
        ),
      ),
  });

  registerRequest(
    {
      name: 'retry-resource',
      title: 'Retry the failed operation of a resource',
      description:
        'Runs the operation that failed on a resource again (after the cause was fixed).',
    },
    { destructive: false },
    (target, body, call) => api.retry(target, body, call),
  );

  actionsRegistry.register({
    name: 'get-resource-status',
    title: "A Crossplane resource's status",
    description:
      "Where a resource's workflow is (its phase), whether Crossplane reports it Ready and Synced, its conditions, the last error and any request waiting for approval, with how old that information is.",
    attributes: { readOnly: true, idempotent: true, destructive: false },
    schema: {
      input: z => z.object(resourceShape(z)).strict(),
      output: z =>
        z.object({
          workflowId: z.string(),
          phase: z.string(),
          ready: z.string().optional(),
          synced: z.string().optional(),
          lastError: z.string().optional(),
          owner: z.string().optional(),
          component: z.string().optional(),
          conditions: z.array(
            z.object({
              type: z.string(),
              status: z.string(),
              reason: z.string().optional(),
              message: z.string().optional(),
            }),
          ),
          pendingApproval: z
            .object({
              requestId: z.string(),
              operation: z.string(),
              requestedBy: z.string(),
              approvers: z.array(z.string()),
              expiresAt: z.string(),
            })
            .optional(),
          ageSeconds: z
            .number()
            .describe('How old the oldest part of this answer is.'),
        }),
    },
    action: async ({ input, credentials }) => {
      const resource = await api.getResource(refOf(input), { credentials });
      return {
        output: {
          workflowId: resource.workflowId,
          phase: resource.phase,
          ...(resource.ready ? { ready: resource.ready } : {}),
          ...(resource.synced ? { synced: resource.synced } : {}),
          ...(resource.lastError ? { lastError: resource.lastError } : {}),
          ...(resource.owner ? { owner: resource.owner } : {}),
          ...(resource.component ? { component: resource.component } : {}),
          conditions: resource.conditions.map(c => ({
            type: c.type,
            status: c.status,
            ...(c.reason ? { reason: c.reason } : {}),
            ...(c.message ? { message: c.message } : {}),
          })),
          ...(resource.pendingApproval
            ? { pendingApproval: resource.pendingApproval }
            : {}),
          ageSeconds: resource.freshness.ageSeconds,
        },
      };
    },
  });

  actionsRegistry.register({
    name: 'list-resources',
    title: 'List Crossplane resources',
    description:
      'The resources you may see, newest change first, optionally only those of a component, an owner, a cluster, a namespace, a kind or a phase; a page at a time (pass nextCursor as cursor for the next).',
    attributes: { readOnly: true, idempotent: true, destructive: false },
    schema: {
      input: z =>
        z
          .object({
            entityRef: named(z, 'entityRef')
              .optional()
              .describe(
                'Only those requested for this entity, e.g. `component:default/checkout-service`.',
              ),
            owner: named(z, 'entityRef').optional(),
            cluster: named(z, 'cluster').optional(),
            namespace: named(z, 'namespace').optional(),
            kind: named(z, 'kind').optional(),
            phase: z
              .enum([
                'Pending',
                'Validating',
                'AwaitingApproval',
                'Applying',
                'WaitingForReady',
                'Ready',
                'Failed',
                'RollingBack',
                'Deprovisioning',
                'Deleted',
                'Rejected',
                'Expired',
              ])
              .optional(),
            limit: z.number().int().min(1).max(500).optional(),
            cursor: z.string().min(1).max(1024).optional(),
          })
          .strict(),
      output: z =>
        z.object({
          items: z.array(
            z.object({
              cluster: z.string(),
              namespace: z.string(),
              apiVersion: z.string(),
              kind: z.string(),
              name: z.string(),
              workflowId: z.string(),
              phase: z.string(),
              ready: z.string().optional(),
              owner: z.string().optional(),
              component: z.string().optional(),
              lastError: z.string().optional(),
            }),
          ),
          nextCursor: z.string().optional(),
          ageSeconds: z.number(),
        }),
    },
    action: async ({ input, credentials }) => {
      const list = await api.listResources(input, { credentials });
      return {
        output: {
          items: list.items.map(item => ({
            ...item.ref,
            workflowId: item.workflowId,
            phase: item.phase,
            ...(item.ready ? { ready: item.ready } : {}),
            ...(item.owner ? { owner: item.owner } : {}),
            ...(item.component ? { component: item.component } : {}),
            ...(item.lastError ? { lastError: item.lastError } : {}),
          })),
          ...(list.nextCursor ? { nextCursor: list.nextCursor } : {}),
          ageSeconds: list.freshness.ageSeconds,
        },
      };
    },
  });

  actionsRegistry.register({
    name: 'list-requestable-kinds',
    title: 'Kinds of Crossplane resource you may request',
    description:
      "The kinds you may provision, per cluster: each kind's apiVersion, the OpenAPI schema of its spec (what provision-resource's spec must satisfy), its policy (approval, drift, ready timeout) and the namespaces you may use.",
    attributes: { readOnly: true, idempotent: true, destructive: false },
    schema: {
      input: z =>
        z.object({ cluster: named(z, 'cluster').optional() }).strict(),
      output: z =>
        z.object({
          items: z.array(
            z.object({
              cluster: z.string(),
              apiVersion: z.string(),
              kind: z.string(),
              scope: z.string(),
              title: z.string().optional(),
              description: z.string().optional(),
              schema: z.record(z.string(), z.unknown()),
              policy: z.record(z.string(), z.unknown()),
              namespaces: z.array(z.string()),
            }),
          ),
        }),
    },
    action: async ({ input, credentials }) => {
      const kinds = await api.listRequestableKinds(input, { credentials });
      return {
        output: {
          items: kinds.items.map(kind => ({
            cluster: kind.cluster,
            apiVersion: kind.apiVersion,
            kind: kind.kind,
            scope: kind.scope,
            ...(kind.title ? { title: kind.title } : {}),
            ...(kind.description ? { description: kind.description } : {}),
            schema: kind.schema,
            policy: kind.policy,
            namespaces: kind.namespaces,
          })),
        },
      };
    },
  });
}
