/*
 * The simulator's admin endpoint (`/admin/...`), for tests and demos: read the audit log, inject
 * faults, expire tokens, drift objects as an outside actor, and steer the simulated provider.
 * It needs no credentials: the simulator is a local development and test tool.
 */
import type http from 'node:http';
import { recordUpdate } from '../apply/managedFields';
import type { AuditLog } from '../api/audit';
import type { FaultInjector } from '../api/faults';
import { StatusError } from '../api/status';
import type { TokenAuthenticator } from '../auth/identities';
import type { CrossplaneSimulation } from '../crossplane/CrossplaneSimulation';
import type { ObjectStore } from '../store/ObjectStore';
import type { ResourceRegistry } from '../store/ResourceRegistry';
import type { KubeObject } from '../store/types';

export interface AdminDependencies {
  store: ObjectStore;
  registry: ResourceRegistry;
  audit: AuditLog;
  faults: FaultInjector;
  authenticator: TokenAuthenticator;
  crossplane: CrossplaneSimulation;
}

async function readJson(req: http.IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw StatusError.badRequest('the admin request body must be JSON');
  }
}

function reply(res: http.ServerResponse, code: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(text);
}

export function createAdminHandler(deps: AdminDependencies) {
  const { store, registry, audit, faults, authenticator, crossplane } = deps;

  const typeOf = (object: { apiVersion?: string; kind?: string }) => {
    const type =
      object.apiVersion && object.kind
        ? registry.byKind(object.apiVersion, object.kind)
        : undefined;
    if (!type)
      throw StatusError.badRequest(
        `no served kind ${object.kind} in ${object.apiVersion}`,
      );
    return type;
  };

  /** Creates or replaces an object as an outside actor (manager), bypassing RBAC. */
  function put(object: KubeObject, manager: string): KubeObject {
    const type = typeOf(object);
    const current = store.get(
      type,
      object.metadata?.namespace,
      object.metadata?.name,
    );
    const next = { ...object, metadata: { ...object.metadata } };
    delete next.metadata.resourceVersion;
    if (current && type.hasStatus && (next as any).status === undefined)
      (next as any).status = (current as any).status;
    const tracked = recordUpdate(current, next, manager);
    return current ? store.update(type, tracked) : store.create(type, tracked);
  }

  return async function handle(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
  ): Promise<boolean> {
    const route = `${req.method} ${url.pathname}`;
    try {
      if (route === 'POST /admin/apply') {
        const body = await readJson(req);
        reply(res, 200, put(body, 'kube-sim-admin'));
      } else if (route === 'GET /admin/audit') {
        const q = url.searchParams;
        reply(res, 200, {
          lastSeq: audit.lastSeq,
          records: audit.query({
            sinceSeq: Number(q.get('sinceSeq') ?? 0),
            user: q.get('user') ?? undefined,
            verb: q.get('verb') ?? undefined,
            resource: q.get('resource') ?? undefined,
            namespace: q.get('namespace') ?? undefined,
            name: q.get('name') ?? undefined,
          }),
        });
      } else if (route === 'PUT /admin/faults') {
        faults.set(await readJson(req));
        reply(res, 200, faults.get());
      } else if (route === 'GET /admin/faults') {
        reply(res, 200, { ...faults.get(), injected: faults.injected });
      } else if (route === 'POST /admin/faults/drop-watches') {
        reply(res, 200, { dropped: faults.dropWatches() });
      } else if (route === 'PUT /admin/token-expiry') {
        const { user, inMs } = await readJson(req);
        const token = authenticator.tokenFor(user);
        if (!token)
          throw StatusError.badRequest(
            `no identity '${user}' in the users file`,
          );
        authenticator.setExpiry(
          token,
          inMs === null ? undefined : Number(inMs ?? 0),
        );
        reply(res, 200, { user, expiresInMs: inMs ?? 0 });
      } else if (route === 'POST /admin/tokens') {
        const { token, user, groups } = await readJson(req);
        if (!token || !user)
          throw StatusError.badRequest('a token needs token and user');
        authenticator.add({ token, user, groups: groups ?? [] });
        reply(res, 200, { user });
      } else if (route === 'POST /admin/drift') {
        const { apiVersion, kind, namespace, name, action, patch, manager } =
          await readJson(req);
        const type = typeOf({ apiVersion, kind });
        const current = store.get(type, namespace, name);
        if (!current) throw StatusError.notFound(type, name);
        if (action === 'delete') {
          // An outside actor deletes it: finalizers are removed too, as `kubectl patch` would.
          store.update(type, {
            ...current,
            metadata: { ...current.metadata, finalizers: [] },
          });
          const rest = store.get(type, namespace, name);
          if (rest) store.delete(type, namespace, name);
          reply(res, 200, { deleted: `${kind} ${name}` });
        } else if (action === 'patch') {
          const merged = deepMerge(current, patch ?? {});
          reply(
            res,
            200,
            store.update(
              type,
              recordUpdate(current, merged, manager ?? 'kubectl-edit'),
            ),
          );
        } else {
          throw StatusError.badRequest(
            "drift action must be 'delete' or 'patch'",
          );
        }
      } else if (route === 'GET /admin/cloud') {
        reply(res, 200, { items: crossplane.provider.externalResources() });
      } else if (route === 'PUT /admin/provider') {
        crossplane.provider.configure(await readJson(req));
        reply(res, 200, crossplane.provider.settings());
      } else {
        throw new StatusError(404, 'NotFound', `no admin route ${route}`);
      }
    } catch (error) {
      const status =
        error instanceof StatusError
          ? error
          : new StatusError(500, 'InternalError', String(error));
      reply(res, status.code, status.toBody());
    }
    return true;
  };
}

function deepMerge(target: any, patch: any): any {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch))
    return patch;
  const result = { ...(target ?? {}) };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = deepMerge(result[key], value);
  }
  return result;
}
