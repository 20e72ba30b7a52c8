/*
 * PROPOSED ADDITION TO THE API (not in src/schema/openapi.yaml of the backend plugin yet).
 *
 * A dry run of provision, update or deprovision: the backend checks the request exactly as it
 * would check the real one (permission, tenancy, the XRD's schema) and asks the cluster for a
 * server-side dry run of the apply (or delete) as the requester, writing nothing and starting no
 * workflow. The answer is the object the cluster would hold and the composed resources the
 * composition would make (or, for deprovision, would delete).
 *
 *   POST /resources/{cluster}/{namespace}/{group}/{kind}/{name}/provision/dry-run
 *        body ProvisionRequestBody (requestId ignored)
 *   POST /resources/{cluster}/{namespace}/{group}/{kind}/{name}/update/dry-run
 *        body UpdateRequestBody (requestId ignored)
 *   POST /resources/{cluster}/{namespace}/{group}/{kind}/{name}/deprovision/dry-run
 *        body DeprovisionRequestBody (requestId ignored)
 *   200 DryRunAnswer; 400, 401, 403, 404, 409, 413, 503 as the operation itself answers them.
 *
 * `dryRunProposal` below is that contract as OpenAPI, in the document's own terms; the test
 * double of the API validates requests and its answers against it. When the document has these
 * routes, the types come from it and this module goes.
 */
import type {
  ApiResourceRef,
  ResourceRef,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import { resourceApiPath } from '@crossplane-temporal/plugin-crossplane-temporal-common';

/** @public */
export type DryRunOperation = 'provision' | 'update' | 'deprovision';

/** One composed resource the composition would make, or that a deprovision would delete. @public */
export interface DryRunComposedResource {
  apiVersion: string;
  kind: string;
  /** Absent when the composition names it only once it exists (a generated name). */
  name?: string;
  namespace?: string;
}

/** What a dry run of an operation found. @public */
export interface DryRunAnswer {
  operation: DryRunOperation;
  ref: ApiResourceRef;
  /** The workflow that would run the operation. */
  workflowId: string;
  /**
   * The claim or namespaced composite as the server-side dry run returned it (defaults filled
   * in); for deprovision, the object that would be deleted.
   */
  object: {
    apiVersion: string;
    kind: string;
    metadata: {
      name: string;
      namespace: string;
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
    };
    spec?: Record<string, unknown>;
  };
  composed: DryRunComposedResource[];
  /** Whether the resource's policy would hold the operation until an approver decides. */
  approvalRequired: boolean;
  /** Warnings the Kubernetes API server gave about the request. */
  warnings: string[];
}

/** The API path (below the plugin's base URL) of an operation's dry run. @public */
export function dryRunApiPath(
  ref: ResourceRef,
  operation: DryRunOperation,
): string {
  return `${resourceApiPath(ref)}/${operation}/dry-run`;
}

const resourcePathParameters = [
  'cluster',
  'namespace',
  'group',
  'kind',
  'name',
].map(name => ({ $ref: `#/components/parameters/${name}` }));

const errorResponses = Object.fromEntries(
  (
    [
      ['400', 'BadRequest'],
      ['401', 'Unauthorized'],
      ['403', 'Forbidden'],
      ['404', 'NotFound'],
      ['409', 'Conflict'],
      ['413', 'PayloadTooLarge'],
      ['503', 'Unavailable'],
    ] as const
  ).map(([status, name]) => [
    status,
    { $ref: `#/components/responses/${name}` },
  ]),
);

function dryRunRoute(operation: DryRunOperation, bodySchema: string) {
  const title = operation[0].toUpperCase() + operation.slice(1);
  return {
    parameters: resourcePathParameters,
    post: {
      operationId: `DryRun${title}Resource`,
      tags: ['Requests'],
      summary: `What ${operation} would do, from a server-side dry run; nothing is written.`,
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: { $ref: `#/components/schemas/${bodySchema}` },
          },
        },
      },
      responses: {
        '200': {
          description: 'What the operation would do.',
          content: {
            'application/json': {
              schema: { $ref: '#/components/schemas/DryRunAnswer' },
            },
          },
        },
        ...errorResponses,
      },
    },
  };
}

const objectName = { $ref: '#/components/schemas/ObjectName' };
const stringMap = {
  type: 'object',
  additionalProperties: { type: 'string' },
};

/**
 * The proposed routes and schema as OpenAPI, to merge into the plugin's document: `paths` under
 * `paths`, `schemas` under `components.schemas`.
 *
 * @public
 */
export const dryRunProposal = {
  paths: {
    '/resources/{cluster}/{namespace}/{group}/{kind}/{name}/provision/dry-run':
      dryRunRoute('provision', 'ProvisionRequestBody'),
    '/resources/{cluster}/{namespace}/{group}/{kind}/{name}/update/dry-run':
      dryRunRoute('update', 'UpdateRequestBody'),
    '/resources/{cluster}/{namespace}/{group}/{kind}/{name}/deprovision/dry-run':
      dryRunRoute('deprovision', 'DeprovisionRequestBody'),
  },
  schemas: {
    DryRunAnswer: {
      type: 'object',
      required: [
        'operation',
        'ref',
        'workflowId',
        'object',
        'composed',
        'approvalRequired',
        'warnings',
      ],
      properties: {
        operation: { $ref: '#/components/schemas/Operation' },
        ref: { $ref: '#/components/schemas/ResourceRef' },
        workflowId: { type: 'string' },
        object: {
          type: 'object',
          description:
            'The claim or namespaced composite as the server-side dry run returned it; for deprovision, the object that would be deleted.',
          required: ['apiVersion', 'kind', 'metadata'],
          properties: {
            apiVersion: { type: 'string' },
            kind: { $ref: '#/components/schemas/Kind' },
            metadata: {
              type: 'object',
              required: ['name', 'namespace'],
              properties: {
                name: objectName,
                namespace: { $ref: '#/components/schemas/Namespace' },
                labels: stringMap,
                annotations: stringMap,
              },
              additionalProperties: false,
            },
            spec: { $ref: '#/components/schemas/Spec' },
          },
          additionalProperties: false,
        },
        composed: {
          type: 'array',
          description:
            'The composed resources the composition would make (provision, update) or that would be deleted (deprovision).',
          items: {
            type: 'object',
            required: ['apiVersion', 'kind'],
            properties: {
              apiVersion: { type: 'string' },
              kind: { type: 'string' },
              name: { type: 'string' },
              namespace: { type: 'string' },
            },
            additionalProperties: false,
          },
        },
        approvalRequired: {
          type: 'boolean',
          description:
            "Whether the resource's policy would hold the operation until an approver decides.",
        },
        warnings: {
          type: 'array',
          description: 'Warnings the Kubernetes API server gave.',
          items: { type: 'string' },
        },
      },
      additionalProperties: false,
    },
  },
} as const;
