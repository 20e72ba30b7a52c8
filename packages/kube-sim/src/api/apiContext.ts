/*
 * What the request handlers share: the simulator's parts they work on, and one resource request
 * as routing, authentication and impersonation left it.
 */
import type http from 'node:http';
import type { Identity } from '../auth/identities';
import type { RbacAuthorizer } from '../auth/rbac';
import type { RequestAuthenticator } from '../auth/requestAuthentication';
import type { ServiceAccountTokens } from '../auth/serviceAccountTokens';
import type { GarbageCollector } from '../controllers/GarbageCollector';
import type { ObjectStore } from '../store/ObjectStore';
import type { ResourceRegistry } from '../store/ResourceRegistry';
import type { AuditLog } from './audit';
import type { FaultInjector } from './faults';
import type { Route } from './routing';

export interface ApiContext {
  store: ObjectStore;
  registry: ResourceRegistry;
  authenticator: RequestAuthenticator;
  /** Issues what the TokenRequest API hands out. */
  serviceAccountTokens: ServiceAccountTokens;
  rbac: RbacAuthorizer | undefined;
  audit: AuditLog;
  faults: FaultInjector;
  log: (level: string, msg: string, fields?: Record<string, unknown>) => void;
  /** Finds an owner's dependents, to orphan them. */
  garbageCollector: GarbageCollector;
  /** Serves `/admin` (no credentials: a local tool), before authentication. */
  onAdminRoute?: (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
  ) => Promise<boolean>;
}

/** A request for a resource, after authentication and impersonation. */
export interface ResourceRequest {
  route: Route;
  req: http.IncomingMessage;
  res: http.ServerResponse;
  url: URL;
  /** Whom the request acts as: the caller, or whom it impersonates. */
  identity: Identity;
  /** `dryRun=All`: check everything, write nothing. */
  dryRun: boolean;
  /** The field manager writes are recorded under: `fieldManager`, else the user agent's name. */
  manager: string;
}
