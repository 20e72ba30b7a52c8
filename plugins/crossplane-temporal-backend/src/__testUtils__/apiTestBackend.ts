/*
 * The plugin in a real Backstage test backend, with its REST API, its embedded worker (from a
 * pre-built workflow bundle), the Temporal dev server and the cluster simulator; the demo
 * organisation's users and groups, its components in a catalog, and a permission service that
 * decides as the local policy does (owners act on what they own, the platform team on all, guest
 * reads). Requests are made as a user with Backstage's mock credentials, and every answer is
 * checked against the OpenAPI document.
 */
import {
  coreServices,
  createServiceFactory,
  type AuditorService,
  type AuditorServiceCreateEventOptions,
  type PermissionsService,
  type ServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  AuthorizeResult,
  isResourcePermission,
  type PermissionCriteria,
  type PermissionCondition,
} from '@backstage/plugin-permission-common';
import {
  signalsServiceRef,
  type SignalPayload,
} from '@backstage/plugin-signals-node';
import type { JsonObject } from '@backstage/types';
import {
  crossplaneResourceReadPermission,
  type ResourceRef,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import {
  startTemporalDevServer,
  type TemporalDevServer,
} from '@crossplane-temporal/temporal-dev-server';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { crossplaneTemporalPlugin } from '../plugin';
import { resourceApiPath } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import { undocumented } from './openApiDocument';
import { writeWorkflowBundle } from './spawnWorkerProcess';
import { startTestCluster, type TestCluster } from './testCluster';

/** The demo organisation: each user and the groups they belong to. */
export const ORG: Record<string, string[]> = {
  alice: ['group:default/team-alpha'],
  bob: ['group:default/team-beta'],
  pat: ['group:default/platform-team'],
  guest: [],
};
export const PLATFORM_GROUP = 'group:default/platform-team';
export type User = keyof typeof ORG;
export const userRef = (user: string) => `user:default/${user}`;

export const TENANTS = [
  { group: 'group:default/team-alpha', namespaces: ['team-alpha'] },
  { group: 'group:default/team-beta', namespaces: ['team-beta'] },
  { group: PLATFORM_GROUP, namespaces: ['*'] },
];

const component = (name: string, owner: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name, namespace: 'default' },
  spec: { type: 'service', lifecycle: 'production', owner },
});

export const CATALOG = [
  component('checkout-service', 'group:default/team-alpha'),
  component('billing-service', 'team-beta'),
];

/** What the auditor was told: each event and how it ended. */
export interface AuditedEvent {
  eventId: string;
  severityLevel?: string;
  meta: JsonObject;
  outcome?: 'success' | 'fail';
  result?: JsonObject;
  error?: string;
}

function recordingAuditor(events: AuditedEvent[]): ServiceFactory {
  return createServiceFactory({
    service: coreServices.auditor,
    deps: {},
    factory: (): AuditorService => ({
      async createEvent(options: AuditorServiceCreateEventOptions) {
        const event: AuditedEvent = {
          eventId: options.eventId,
          severityLevel: options.severityLevel,
          meta: options.meta ?? {},
        };
        events.push(event);
        return {
          async success(o) {
            event.outcome = 'success';
            event.result = o?.meta;
          },
          async fail(o) {
            event.outcome = 'fail';
            event.error = o.error.message;
          },
        };
      },
    }),
  });
}

const userInfoFactory = createServiceFactory({
  service: coreServices.userInfo,
  deps: {},
  factory: () => ({
    async getUserInfo(credentials: any) {
      const userEntityRef = credentials.principal.userEntityRef as string;
      const name = userEntityRef.split('/')[1];
      return {
        userEntityRef,
        ownershipEntityRefs: [userEntityRef, ...(ORG[name] ?? [])],
      };
    },
  }),
});

/**
 * Decides as the local deployment's policy does: the platform team may do everything; guest
 * reads; other users read everything and act (create, update, delete, approve) on what their
 * groups own, as a conditional decision on the catalog-entity resource type.
 */
export function ownershipPermissions(): PermissionsService {
  const decide = (permission: any, credentials: any) => {
    if (credentials.principal.type !== 'user')
      return { result: AuthorizeResult.ALLOW };
    const ref = credentials.principal.userEntityRef as string;
    const name = ref.split('/')[1];
    const claims = [ref, ...(ORG[name] ?? [])];
    if (claims.includes(PLATFORM_GROUP))
      return { result: AuthorizeResult.ALLOW };
    if (permission.name === crossplaneResourceReadPermission.name)
      return { result: AuthorizeResult.ALLOW };
    if (name === 'guest') return { result: AuthorizeResult.DENY };
    if (isResourcePermission(permission, 'catalog-entity')) {
      const conditions: PermissionCriteria<PermissionCondition> = {
        rule: 'IS_ENTITY_OWNER',
        resourceType: 'catalog-entity',
        params: { claims },
      };
      return {
        result: AuthorizeResult.CONDITIONAL,
        pluginId: 'catalog',
        resourceType: 'catalog-entity',
        conditions,
      };
    }
    return { result: AuthorizeResult.DENY };
  };
  return {
    async authorize(requests, { credentials }) {
      return requests.map(r => {
        const d = decide(r.permission, credentials);
        return {
          result:
            d.result === AuthorizeResult.ALLOW
              ? AuthorizeResult.ALLOW
              : AuthorizeResult.DENY,
        };
      });
    },
    async authorizeConditional(requests, { credentials }) {
      return requests.map(r => decide(r.permission, credentials)) as any;
    },
  };
}

export interface ApiTestBackend {
  server: Parameters<typeof request>[0];
  cluster: TestCluster;
  temporal: TemporalDevServer;
  taskQueue: string;
  audited: AuditedEvent[];
  signals: SignalPayload[];
  /** A request as `user` (mock credentials), its answer checked against the document. */
  call(
    user: User | 'none',
    method: 'get' | 'post',
    path: string,
    body?: unknown,
  ): Promise<request.Response>;
  /** Waits for `check` to hold, checking every 100 ms; fails after `timeoutMs` saying `what`. */
  waitFor<T>(
    what: string,
    check: () => Promise<T | undefined | false>,
    timeoutMs?: number,
  ): Promise<T>;
  stop(): Promise<void>;
}

export const API = '/api/crossplane-temporal';
export const pathOf = (ref: ResourceRef) => `${API}/${resourceApiPath(ref)}`;

export async function startApiTestBackend(
  options: {
    /** Extra features, e.g. another metrics service. */
    features?: ServiceFactory[];
    /** app-config beside the cluster and Temporal settings. */
    config?: JsonObject;
    permissions?: PermissionsService;
    providerDelayMs?: number;
    /** Where the plugin finds Temporal; default: the dev server started here. */
    temporalAddress?: string;
  } = {},
): Promise<ApiTestBackend> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'api-test-'));
  const [workflowBundlePath, cluster, temporal] = await Promise.all([
    writeWorkflowBundle(path.join(dir, 'workflow-bundle.js')),
    startTestCluster({ providerDelayMs: options.providerDelayMs ?? 50 }),
    startTemporalDevServer({ logLevel: 'error' }),
  ]);
  const taskQueue = `api-${Math.random().toString(36).slice(2, 8)}`;
  const audited: AuditedEvent[] = [];
  const signals: SignalPayload[] = [];
  const permissions = options.permissions ?? ownershipPermissions();
  const backend = await startTestBackend({
    features: [
      crossplaneTemporalPlugin,
      mockServices.rootConfig.factory({
        data: {
          crossplaneTemporal: {
            temporal: {
              address: options.temporalAddress ?? temporal.address,
              taskQueue,
              worker: { workflowBundlePath },
            },
            clusters: [{ ...cluster.clusterConfig, tenants: TENANTS }],
            ...options.config,
          },
        },
      }),
      userInfoFactory,
      // A request without credentials has none (the mock's default is a user).
      mockServices.httpAuth.factory({
        defaultCredentials: mockCredentials.none(),
      }),
      createServiceFactory({
        service: coreServices.permissions,
        deps: {},
        factory: () => permissions,
      }),
      catalogServiceMock.factory({ entities: CATALOG }),
      recordingAuditor(audited),
      createServiceFactory({
        service: signalsServiceRef,
        deps: {},
        factory: () => ({
          async publish(signal: SignalPayload) {
            signals.push(signal);
          },
        }),
      }),
      ...(options.features ?? []),
    ],
  });

  const call: ApiTestBackend['call'] = async (user, method, urlPath, body) => {
    let req = request(backend.server)[method](urlPath);
    if (user !== 'none')
      req = req.set(
        'Authorization',
        mockCredentials.user.header(userRef(user)),
      );
    if (body !== undefined) req = req.send(body as object);
    const res = await req;
    const problems = undocumented(
      method,
      urlPath.slice(API.length),
      res.status,
      res.body,
    );
    if (problems.length)
      throw new Error(
        `${method.toUpperCase()} ${urlPath} as ${user}: the answer is not as documented: ${problems.join(
          '; ',
        )}`,
      );
    return res;
  };

  const waitFor: ApiTestBackend['waitFor'] = async (
    what,
    check,
    timeoutMs = 60_000,
  ) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const result = await check();
      if (result) return result as any;
      if (Date.now() > deadline)
        throw new Error(`waited ${timeoutMs / 1000} s for ${what}`);
      await new Promise(resolve => setTimeout(resolve, 100));
    }
  };

  return {
    server: backend.server,
    cluster,
    temporal,
    taskQueue,
    audited,
    signals,
    call,
    waitFor,
    async stop() {
      await backend.stop();
      await temporal.stop();
      await cluster.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
