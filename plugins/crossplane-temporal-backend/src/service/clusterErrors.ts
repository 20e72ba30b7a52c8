/*
 * What a cluster request the API makes itself (a dry run) threw, as the Backstage error with the
 * status a caller acts on: the cluster's refusals by their reason, never by their message.
 */
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { ClusterRequestError } from '../cluster/errors';

export function fromClusterError(error: unknown, what: string): unknown {
  if (!(error instanceof ClusterRequestError)) return error;
  const message = `${what}: ${error.message}`;
  switch (error.reason) {
    case 'Invalid':
    case 'UnknownCluster':
      return new InputError(message);
    case 'Forbidden':
      return new NotAllowedError(message);
    case 'NotFound':
      return new NotFoundError(message);
    case 'Conflict':
    case 'FieldConflict':
    case 'AlreadyExists':
      return new ConflictError(message);
    default:
      // Unauthorized, Untrusted, Transient: the backend's setup or the cluster, not the caller.
      return new ServiceUnavailableError(
        `${message}. Nothing was written; try again shortly.`,
      );
  }
}
