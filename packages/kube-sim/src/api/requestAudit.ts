/*
 * A request's audit record as it is being answered: what it is about is filled in as soon as the
 * path says (so refused requests are recorded with it), who sent it after authentication, and the
 * code at the end.
 */
import type http from 'node:http';
import type { ResourceRegistry } from '../store/ResourceRegistry';
import type { AuditRecord } from './audit';
import {
  isApiPath,
  isDiscoveryPath,
  resolveRoute,
  resourceOf,
  type Route,
} from './routing';

export type PendingAuditRecord = Omit<AuditRecord, 'seq' | 'time'>;

export function startAuditRecord(
  req: http.IncomingMessage,
): PendingAuditRecord {
  return {
    user: '',
    impersonatedUser: undefined,
    impersonatedGroups: undefined,
    verb: (req.method ?? 'GET').toLowerCase(),
    group: '',
    resource: '',
    namespace: undefined,
    name: undefined,
    credentialId: undefined,
    dryRun: undefined,
    code: 500,
  };
}

export function describeRoute(record: PendingAuditRecord, route: Route): void {
  record.group = route.type.group;
  record.resource = resourceOf(route);
  record.namespace = route.namespace;
  record.name = route.name;
}

/** What a path is about, before anything else is checked; unknown paths leave the record as is. */
export function describePath(
  record: PendingAuditRecord,
  registry: ResourceRegistry,
  segments: string[],
): void {
  if (!isApiPath(segments) || isDiscoveryPath(segments)) return;
  try {
    describeRoute(record, resolveRoute(registry, segments));
  } catch {
    // Unknown paths are answered later; the record keeps what it has.
  }
}
