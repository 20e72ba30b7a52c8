/*
 * Kubernetes `Status` errors: the body, code and reason clients decide on.
 */
import type { ResourceType } from '../store/types';

export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason: string;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: Array<{ reason: string; message: string; field?: string }>;
    retryAfterSeconds?: number;
  };
  code: number;
}

const describe = (type: Pick<ResourceType, 'group' | 'plural'>) =>
  type.group ? `${type.plural}.${type.group}` : type.plural;

export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusBody['details'],
  ) {
    super(message);
  }

  toBody(): StatusBody {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      details: this.details,
      code: this.code,
    };
  }

  static notFound(type: Pick<ResourceType, 'group' | 'plural'>, name: string) {
    return new StatusError(
      404,
      'NotFound',
      `${describe(type)} "${name}" not found`,
      {
        name,
        group: type.group,
        kind: type.plural,
      },
    );
  }

  static alreadyExists(
    type: Pick<ResourceType, 'group' | 'plural'>,
    name: string,
  ) {
    return new StatusError(
      409,
      'AlreadyExists',
      `${describe(type)} "${name}" already exists`,
      {
        name,
        group: type.group,
        kind: type.plural,
      },
    );
  }

  static conflict(
    type: Pick<ResourceType, 'group' | 'plural'>,
    name: string,
    why: string,
  ) {
    return new StatusError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${describe(type)} "${name}": ${why}`,
      {
        name,
        group: type.group,
        kind: type.plural,
      },
    );
  }

  static invalid(
    kind: string,
    name: string,
    causes: Array<{ field: string; message: string }>,
  ) {
    return new StatusError(
      422,
      'Invalid',
      `${kind} "${name}" is invalid: ${causes
        .map(c => `${c.field}: ${c.message}`)
        .join(', ')}`,
      {
        name,
        kind,
        causes: causes.map(c => ({ reason: 'FieldValueInvalid', ...c })),
      },
    );
  }

  static badRequest(message: string) {
    return new StatusError(400, 'BadRequest', message);
  }

  static unauthorized() {
    return new StatusError(401, 'Unauthorized', 'Unauthorized');
  }

  static forbidden(
    user: string,
    verb: string,
    type: Pick<ResourceType, 'group' | 'plural'>,
    namespace?: string,
    name?: string,
    subresource?: string,
  ) {
    const resource = subresource
      ? `${type.plural}/${subresource}`
      : type.plural;
    const what = `resource "${resource}" in API group "${type.group}"`;
    const where = namespace
      ? ` in the namespace "${namespace}"`
      : ' at the cluster scope';
    const subject = name
      ? `${describe(type)} "${name}" is forbidden`
      : `${describe(type)} is forbidden`;
    return new StatusError(
      403,
      'Forbidden',
      `${subject}: User "${user}" cannot ${verb} ${what}${where}`,
      {
        name,
        group: type.group,
        kind: type.plural,
      },
    );
  }

  static gone(since: number, oldest: number) {
    return new StatusError(
      410,
      'Expired',
      `too old resource version: ${since} (${oldest})`,
    );
  }

  static methodNotAllowed(method: string, path: string) {
    return new StatusError(
      405,
      'MethodNotAllowed',
      `the server does not allow ${method} on ${path}`,
    );
  }

  static unsupportedMediaType(contentType: string, patchTypes: string[]) {
    return new StatusError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${patchTypes.join(
        ', ',
      )} (got ${contentType || 'none'})`,
    );
  }
}
