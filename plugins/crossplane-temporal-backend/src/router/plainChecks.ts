/*
 * Checks made before the OpenAPI document's own, for the refusals whose generic wording would not
 * say what to fix: a body field the operation does not take is named (the document's check only
 * says there are additional properties), and a resource's path is checked part by part in plain
 * words (instead of a regular expression to decode). Everything else is the document's check.
 */
import { InputError } from '@backstage/errors';
import { validateResourceRef } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import type { RequestHandler } from 'express';
import { spec } from '../schema/openapi.generated';

const RESOURCE_PATH =
  /^\/resources\/([^/]+)\/([^/]+)\/([^/]+)\/([^/]+)\/([^/]+)(?:\/([a-z]+(?:\/dry-run)?))?\/?$/;
const GROUP =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;

/** The fields each action's body takes, by its path below the resource's, from the document. */
const BODY_FIELDS: Record<string, { operation: string; fields: string[] }> = {};
for (const [path, item] of Object.entries(spec.paths)) {
  const post = (item as any).post;
  const match = /\{name\}\/([a-z]+(?:\/dry-run)?)$/.exec(path);
  const ref = post?.requestBody?.content?.['application/json']?.schema?.$ref;
  if (!post || !match || !ref) continue;
  const schema = (spec.components.schemas as any)[ref.split('/').pop()];
  BODY_FIELDS[match[1]] = {
    operation: post.operationId,
    fields: Object.keys(schema.properties ?? {}),
  };
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

export const plainChecks: RequestHandler = (req, _res, next) => {
  const match = RESOURCE_PATH.exec(req.path);
  if (!match) {
    next();
    return;
  }
  const [cluster, namespace, group, kind, name] = match
    .slice(1, 6)
    .map(safeDecode);
  const problems = GROUP.test(group)
    ? []
    : [
        `group '${group}' is not valid: expected the API group of a claim or namespaced composite, a dotted name such as 'database.example.org' (core kinds like Secret or Namespace cannot be requested)`,
      ];
  problems.push(
    ...validateResourceRef({
      cluster,
      apiVersion: `${GROUP.test(group) ? group : 'example.org'}/v1`,
      kind,
      namespace,
      name,
    }),
  );
  const action = match[6] && BODY_FIELDS[match[6]];
  if (
    req.method === 'POST' &&
    action &&
    req.body &&
    typeof req.body === 'object' &&
    !Array.isArray(req.body)
  ) {
    const unknown = Object.keys(req.body).filter(
      field => !action.fields.includes(field),
    );
    if (unknown.length)
      problems.push(
        `${unknown.join(', ')} ${
          unknown.length === 1 ? 'is not a field' : 'are not fields'
        } of ${action.operation}'s body, which takes only ${action.fields.join(
          ', ',
        )}; who you are, the approvers and the policy come from your credentials and the platform's configuration`,
      );
  }
  next(problems.length ? new InputError(problems.join('; ')) : undefined);
};
