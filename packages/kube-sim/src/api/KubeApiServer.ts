/*
 * Where every request enters: authentication and impersonation, RBAC, then the REST semantics of
 * the Kubernetes API (discovery, get, list, watch, create, update, patch, apply, delete) over the
 * object store. Every request is recorded in the audit log as the simulator saw it.
 */
import http from 'node:http';
import YAML from 'yaml';
import { recordUpdate, serverSideApply } from '../apply/managedFields';
import type { Identity } from '../auth/identities';
import { RbacAuthorizer } from '../auth/rbac';
import type { RequestAuthenticator } from '../auth/requestAuthentication';
import type { ServiceAccountTokens } from '../auth/serviceAccountTokens';
import { defaultAndPrune, validate } from '../schema/structural';
import { ObjectStore } from '../store/ObjectStore';
import {
  BUILT_IN_TYPES,
  NAMESPACE_TYPE,
  ResourceRegistry,
  SERVICE_ACCOUNT_TYPE,
} from '../store/ResourceRegistry';
import type { KubeObject, ResourceType } from '../store/types';
import type { AuditLog } from './audit';
import { parseFieldSelector, parseLabelSelector } from './selectors';
import { reviewAccess } from './accessReviews';
import { requestToken } from './tokenRequests';
import { StatusError } from './status';
import { toTable, wantsTable } from './table';
import type { FaultInjector } from './faults';
import {
  FOREGROUND_FINALIZER,
  type GarbageCollector,
} from '../controllers/GarbageCollector';

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
  /** Called after the API changed an object, for the simulated controllers. */
  onAdminRoute?: (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
  ) => Promise<boolean>;
}

interface Route {
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

const PATCH_TYPES = [
  'application/merge-patch+json',
  'application/json-patch+json',
  'application/apply-patch+yaml',
  'application/strategic-merge-patch+json',
];

function send(res: http.ServerResponse, code: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw StatusError.badRequest(
      `the request body is not valid JSON: ${(error as Error).message}`,
    );
  }
}

const VERB_BY_METHOD: Record<string, string> = {
  POST: 'create',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};

export function createApiHandler(ctx: ApiContext) {
  const { store, registry } = ctx;

  function resolveRoute(segments: string[]): Route | 'discovery' {
    // /api/v1/... or /apis/group/version/...
    let group = '';
    let version: string;
    let rest: string[];
    if (segments[0] === 'api') {
      version = segments[1];
      rest = segments.slice(2);
    } else {
      group = segments[1];
      version = segments[2];
      rest = segments.slice(3);
    }
    if (rest.length === 0) return 'discovery';
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const type = registry.find(group, version, rest[0]);
    if (!type) {
      throw new StatusError(
        404,
        'NotFound',
        `the server could not find the requested resource (${
          group || 'core'
        }/${version} ${rest[0]})`,
      );
    }
    if (namespace && !type.namespaced) {
      throw new StatusError(
        404,
        'NotFound',
        `the server could not find the requested resource: ${type.plural} is not namespaced`,
      );
    }
    return { type, namespace, name: rest[1], subresource: rest[2] };
  }

  function discovery(segments: string[]) {
    if (segments.length === 1 && segments[0] === 'api') {
      return {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [
          { clientCIDR: '0.0.0.0/0', serverAddress: '' },
        ],
      };
    }
    if (segments.length === 1 && segments[0] === 'apis') {
      return {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: [...registry.groupVersions()].map(([name, versions]) => ({
          name,
          versions: versions.map(v => ({
            groupVersion: `${name}/${v}`,
            version: v,
          })),
          preferredVersion: {
            groupVersion: `${name}/${versions[0]}`,
            version: versions[0],
          },
        })),
      };
    }
    const group = segments[0] === 'api' ? '' : segments[1];
    const version = segments[0] === 'api' ? segments[1] : segments[2];
    const types = registry
      .all()
      .filter(t => t.group === group && t.version === version);
    if (types.length === 0)
      throw new StatusError(
        404,
        'NotFound',
        `the server could not find the requested resource (${group}/${version})`,
      );
    const resources = types.flatMap(t => {
      const main = {
        name: t.plural,
        singularName: t.singular,
        namespaced: t.namespaced,
        kind: t.kind,
        verbs: t.verbs ?? [
          'create',
          'delete',
          'deletecollection',
          'get',
          'list',
          'patch',
          'update',
          'watch',
        ],
        shortNames: t.shortNames,
        categories: t.categories,
      };
      const subresources = (t.subresources ?? []).map(sub => ({
        name: `${t.plural}/${sub.name}`,
        singularName: '',
        namespaced: t.namespaced,
        group: sub.group,
        version: sub.version,
        kind: sub.kind,
        verbs: sub.verbs,
      }));
      return t.hasStatus
        ? [
            main,
            {
              name: `${t.plural}/status`,
              singularName: '',
              namespaced: t.namespaced,
              kind: t.kind,
              verbs: ['get', 'patch', 'update'],
            },
            ...subresources,
          ]
        : [main, ...subresources];
    });
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: group ? `${group}/${version}` : version,
      resources,
    };
  }

  function authorize(identity: Identity, verb: string, route: Route) {
    if (!ctx.rbac) return;
    const resource = route.subresource
      ? `${route.type.plural}/${route.subresource}`
      : route.type.plural;
    if (
      !ctx.rbac.allows(identity, {
        verb,
        group: route.type.group,
        resource,
        namespace: route.namespace,
        name: route.name,
      })
    ) {
      throw StatusError.forbidden(
        identity.user,
        verb,
        route.type,
        route.namespace,
        route.name,
        route.subresource,
      );
    }
  }

  /** Impersonate-User / Impersonate-Group, allowed by the `impersonate` verb as in Kubernetes. */
  function impersonate(
    identity: Identity,
    req: http.IncomingMessage,
  ): { effective: Identity; impersonated?: Identity } {
    const user = req.headers['impersonate-user'];
    const groupHeader = req.headersDistinct['impersonate-group'] ?? [];
    if (!user) {
      if (groupHeader.length)
        throw StatusError.badRequest(
          'Impersonate-Group requires Impersonate-User',
        );
      return { effective: identity };
    }
    const userName = Array.isArray(user) ? user[0] : user;
    const check = (resource: string, name: string) => {
      if (
        ctx.rbac &&
        !ctx.rbac.allows(identity, {
          verb: 'impersonate',
          group: '',
          resource,
          name,
        })
      ) {
        throw new StatusError(
          403,
          'Forbidden',
          `${resource} "${name}" is forbidden: User "${identity.user}" cannot impersonate resource "${resource}" in API group "" at the cluster scope`,
        );
      }
    };
    check('users', userName);
    for (const group of groupHeader) check('groups', group);
    const impersonated = {
      user: userName,
      groups: [...new Set([...groupHeader, 'system:authenticated'])],
    };
    return { effective: impersonated, impersonated };
  }

  function namespaceMustExist(route: Route) {
    if (
      route.namespace &&
      route.type !== NAMESPACE_TYPE &&
      !store.get(NAMESPACE_TYPE, undefined, route.namespace)
    ) {
      throw new StatusError(
        404,
        'NotFound',
        `namespaces "${route.namespace}" not found`,
        { name: route.namespace, kind: 'namespaces' },
      );
    }
  }

  /** Defaults, prunes and validates a custom resource against its CRD schema. */
  function admit(type: ResourceType, object: KubeObject) {
    const schema = registry.schemaOf(type);
    if (!schema) return;
    const { metadata, apiVersion, kind, ...rest } = object;
    const body = defaultAndPrune(schema, { ...rest }) as Record<
      string,
      unknown
    >;
    for (const key of Object.keys(object))
      if (!['metadata', 'apiVersion', 'kind'].includes(key))
        delete (object as any)[key];
    Object.assign(object, body, { metadata, apiVersion, kind });
    const problems = validate(schema, { ...body }, '').map(p => ({
      ...p,
      field: p.field.replace(/^\./, ''),
    }));
    if (problems.length)
      throw StatusError.invalid(type.kind, object.metadata.name, problems);
  }

  function checkIdentity(route: Route, object: any) {
    const expected = route.type.group
      ? `${route.type.group}/${route.type.version}`
      : route.type.version;
    if (
      object === null ||
      typeof object !== 'object' ||
      Array.isArray(object)
    ) {
      throw StatusError.badRequest(
        'the request body must be a Kubernetes object',
      );
    }
    // Like the API server, fill in what the URL already says.
    object.apiVersion ??= expected;
    object.kind ??= route.type.kind;
    if (object.apiVersion !== expected || object.kind !== route.type.kind) {
      throw StatusError.badRequest(
        `the API version in the data (${object?.apiVersion}) and kind (${object?.kind}) do not match the request (${expected}, ${route.type.kind})`,
      );
    }
    if (!object.metadata?.name) {
      throw StatusError.invalid(route.type.kind, '', [
        {
          field: 'metadata.name',
          message: 'Required value: name or generateName is required',
        },
      ]);
    }
    if (route.type.namespaced) {
      if (
        object.metadata.namespace &&
        object.metadata.namespace !== route.namespace
      ) {
        throw StatusError.badRequest(
          `the namespace of the provided object does not match the namespace sent on the request`,
        );
      }
      object.metadata.namespace = route.namespace;
    } else {
      delete object.metadata.namespace;
    }
  }

  /** Keeps what a write may not change: status on the main resource, spec on /status. */
  function mergeSubresource(
    route: Route,
    current: KubeObject | undefined,
    next: KubeObject,
  ): KubeObject {
    if (!route.type.hasStatus || !current) return next;
    if (route.subresource === 'status') {
      return {
        ...current,
        status: (next as any).status,
        metadata: {
          ...current.metadata,
          resourceVersion:
            next.metadata.resourceVersion ?? current.metadata.resourceVersion,
        },
      };
    }
    return { ...next, status: (current as any).status };
  }

  /** Stores `next` (which already carries its managedFields), or only checks it on a dry run. */
  function write(
    route: Route,
    current: KubeObject | undefined,
    written: KubeObject,
    dryRun: boolean,
  ): KubeObject {
    const next = mergeSubresource(route, current, written);
    // As in Kubernetes, status is not set by creating the main resource.
    if (!current && route.type.hasStatus) delete (next as any).status;
    if (route.subresource !== 'status') admit(route.type, next);
    if (dryRun) {
      return current
        ? {
            ...next,
            metadata: {
              ...next.metadata,
              uid: current.metadata.uid,
              generation: current.metadata.generation,
            },
          }
        : next;
    }
    return current
      ? store.update(route.type, next)
      : store.create(route.type, next);
  }

  function list(route: Route, url: URL) {
    const labels = parseLabelSelector(url.searchParams.get('labelSelector'));
    const fields = parseFieldSelector(url.searchParams.get('fieldSelector'));
    const items = store
      .list(route.type, route.namespace)
      .filter(o => labels(o) && fields(o));
    const group = route.type.group
      ? `${route.type.group}/${route.type.version}`
      : route.type.version;
    return {
      apiVersion: group,
      kind: `${route.type.kind}List`,
      metadata: { resourceVersion: store.resourceVersion },
      items,
    };
  }

  function watch(
    route: Route,
    url: URL,
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ) {
    const labels = parseLabelSelector(url.searchParams.get('labelSelector'));
    const fields = parseFieldSelector(url.searchParams.get('fieldSelector'));
    const requested = url.searchParams.get('resourceVersion');
    const since = Number(requested || store.resourceVersion);
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Transfer-Encoding': 'chunked',
    });
    // Clients wait for the headers before they consider the watch started.
    res.flushHeaders();
    // Without a resourceVersion (or with "0"), a watch starts with the current state as ADDED events.
    if (!requested || requested === '0') {
      for (const object of store.list(route.type, route.namespace)) {
        if (labels(object) && fields(object))
          res.write(`${JSON.stringify({ type: 'ADDED', object })}\n`);
      }
    }
    let stop = () => {};
    const end = () => {
      stop();
      ctx.faults.untrackWatch(res);
      if (!res.writableEnded) res.end();
    };
    try {
      stop = store.watch(
        route.type,
        route.namespace,
        Number.isFinite(since) ? since : 0,
        event => {
          if (!labels(event.object) || !fields(event.object)) return;
          res.write(
            `${JSON.stringify({ type: event.type, object: event.object })}\n`,
          );
        },
      );
    } catch (error) {
      if (error instanceof StatusError) {
        res.write(
          `${JSON.stringify({ type: 'ERROR', object: error.toBody() })}\n`,
        );
        res.end();
        return;
      }
      throw error;
    }
    if (url.searchParams.get('allowWatchBookmarks') === 'true') {
      const group = route.type.group
        ? `${route.type.group}/${route.type.version}`
        : route.type.version;
      res.write(
        `${JSON.stringify({
          type: 'BOOKMARK',
          object: {
            kind: route.type.kind,
            apiVersion: group,
            metadata: { resourceVersion: store.resourceVersion },
          },
        })}\n`,
      );
    }
    const timeout = Number(url.searchParams.get('timeoutSeconds') || 0);
    const timer = timeout > 0 ? setTimeout(end, timeout * 1000) : undefined;
    timer?.unref();
    ctx.faults.trackWatch(res);
    req.on('close', () => {
      if (timer) clearTimeout(timer);
      end();
    });
  }

  function applyPatch(
    route: Route,
    current: KubeObject | undefined,
    contentType: string,
    body: string,
    manager: string,
    force: boolean,
  ): { next: KubeObject; tracked: KubeObject } {
    if (contentType.startsWith('application/apply-patch+yaml')) {
      let applied: any;
      try {
        applied = YAML.parse(body);
      } catch (error) {
        throw StatusError.badRequest(
          `the apply patch is not valid YAML: ${(error as Error).message}`,
        );
      }
      checkIdentity(route, applied);
      const next = serverSideApply(current, applied, manager, force);
      if (current)
        next.metadata.resourceVersion = current.metadata.resourceVersion;
      return { next, tracked: next };
    }
    if (!current) throw StatusError.notFound(route.type, route.name!);
    let next: KubeObject;
    if (contentType.startsWith('application/json-patch+json')) {
      next = applyJsonPatch(current, parseJson(body));
    } else if (
      contentType.startsWith('application/merge-patch+json') ||
      // Strategic merge patch needs Go struct tags: custom resources refuse it with 415.
      (contentType.startsWith('application/strategic-merge-patch+json') &&
        BUILT_IN_TYPES.includes(route.type))
    ) {
      next = mergePatch(current, parseJson(body)) as KubeObject;
    } else {
      throw StatusError.unsupportedMediaType(contentType, PATCH_TYPES);
    }
    next.metadata.resourceVersion =
      next.metadata.resourceVersion ?? current.metadata.resourceVersion;
    return {
      next,
      tracked: recordUpdate(current, next, manager, route.subresource),
    };
  }

  async function handleResource(
    route: Route,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    identity: Identity,
  ): Promise<number> {
    const method = req.method ?? 'GET';
    if (route.type.group === 'authorization.k8s.io') {
      if (method !== 'POST' || route.name)
        throw StatusError.methodNotAllowed(method, url.pathname);
      if (route.type.kind === 'SubjectAccessReview')
        authorize(identity, 'create', route);
      send(
        res,
        201,
        reviewAccess(
          route.type.kind as 'SelfSubjectAccessReview' | 'SubjectAccessReview',
          parseJson(await readBody(req)),
          identity,
          ctx.rbac,
        ),
      );
      return 201;
    }
    const dryRun = url.searchParams.getAll('dryRun').includes('All');
    if (route.type === SERVICE_ACCOUNT_TYPE && route.subresource === 'token')
      return createToken(route, req, res, url, identity, dryRun);
    const manager =
      url.searchParams.get('fieldManager') ??
      String(req.headers['user-agent'] ?? 'unknown').split('/')[0];
    if (method === 'GET') {
      if (!route.name) {
        const isWatch = ['1', 'true'].includes(
          url.searchParams.get('watch') ?? '',
        );
        authorize(identity, isWatch ? 'watch' : 'list', route);
        if (isWatch) {
          watch(route, url, req, res);
          return 200;
        }
        const listed = list(route, url);
        send(
          res,
          200,
          wantsTable(req.headers.accept)
            ? toTable(route.type, listed.items, listed.metadata.resourceVersion)
            : listed,
        );
        return 200;
      }
      authorize(identity, 'get', route);
      const object = store.get(route.type, route.namespace, route.name);
      if (!object) throw StatusError.notFound(route.type, route.name);
      send(
        res,
        200,
        wantsTable(req.headers.accept)
          ? toTable(route.type, [object], store.resourceVersion)
          : object,
      );
      return 200;
    }
    const verb = VERB_BY_METHOD[method];
    if (!verb) throw StatusError.methodNotAllowed(method, url.pathname);
    if (verb === 'delete' && !route.name && !route.subresource) {
      authorize(identity, 'deletecollection', route);
      // Every object the selectors match, each deleted as a DELETE of it would (finalizers
      // first); the answer lists them as they were when the deletion started.
      const matched = list(route, url);
      if (!dryRun)
        for (const item of matched.items)
          store.delete(route.type, item.metadata.namespace, item.metadata.name);
      send(res, 200, matched);
      return 200;
    }
    if (verb !== 'create' && !route.name)
      throw StatusError.methodNotAllowed(method, url.pathname);
    authorize(identity, verb, route);
    namespaceMustExist(route);
    const body = await readBody(req);

    if (verb === 'create') {
      const object = parseJson(body);
      checkIdentity(route, object);
      delete object.metadata.resourceVersion;
      const tracked = recordUpdate(undefined, object, manager);
      const created = write(route, undefined, tracked, dryRun);
      send(res, 201, created);
      return 201;
    }
    const current = store.get(route.type, route.namespace, route.name!);
    if (verb === 'delete') {
      if (!current) throw StatusError.notFound(route.type, route.name!);
      const policy = propagationPolicy(url, body);
      if (!dryRun) {
        if (policy === 'Orphan') orphanDependents(current);
        if (
          policy === 'Foreground' &&
          !current.metadata.deletionTimestamp &&
          !current.metadata.finalizers?.includes(FOREGROUND_FINALIZER)
        ) {
          // The garbage collector drops it once the dependents are gone.
          const marked = structuredClone(current);
          marked.metadata.finalizers = [
            ...(marked.metadata.finalizers ?? []),
            FOREGROUND_FINALIZER,
          ];
          store.update(route.type, marked);
        }
        store.delete(route.type, route.namespace, route.name!);
      }
      send(
        res,
        200,
        store.get(route.type, route.namespace, route.name!) ?? {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Success',
          details: {
            name: route.name,
            group: route.type.group,
            kind: route.type.plural,
            uid: current.metadata.uid,
          },
        },
      );
      return 200;
    }
    if (verb === 'update') {
      if (!current) throw StatusError.notFound(route.type, route.name!);
      const object = parseJson(body);
      checkIdentity(route, object);
      const updated = write(
        route,
        current,
        recordUpdate(current, object, manager, route.subresource),
        dryRun,
      );
      send(res, 200, updated);
      return 200;
    }
    // patch
    const contentType = String(req.headers['content-type'] ?? '');
    const isApply = contentType.startsWith('application/apply-patch+yaml');
    if (isApply && !url.searchParams.get('fieldManager')) {
      throw StatusError.badRequest(
        'PATCH with apply-patch+yaml requires a fieldManager',
      );
    }
    if (isApply && !current) authorize(identity, 'create', route);
    const { tracked } = applyPatch(
      route,
      current,
      contentType,
      body,
      manager,
      url.searchParams.get('force') === 'true',
    );
    const patched = write(route, current, tracked, dryRun);
    const code = current ? 200 : 201;
    send(res, code, patched);
    return code;
  }

  /** TokenRequest: a bound token for an existing service account, for callers RBAC allows. */
  async function createToken(
    route: Route,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    identity: Identity,
    dryRun: boolean,
  ): Promise<number> {
    if (req.method !== 'POST')
      throw StatusError.methodNotAllowed(req.method ?? 'GET', url.pathname);
    if (dryRun)
      throw StatusError.badRequest(
        'kube-sim does not simulate dry runs of token requests',
      );
    authorize(identity, 'create', route);
    namespaceMustExist(route);
    // The route has a name: the subresource comes after it.
    const name = route.name!;
    const serviceAccount = store.get(route.type, route.namespace, name);
    if (!serviceAccount) throw StatusError.notFound(route.type, name);
    const body = await readBody(req);
    send(
      res,
      201,
      requestToken(
        ctx.serviceAccountTokens,
        serviceAccount,
        body.trim() ? parseJson(body) : {},
      ),
    );
    return 201;
  }

  /** Dependents keep existing without the reference to an owner deleted with `Orphan`. */
  function orphanDependents(owner: KubeObject) {
    const uid = owner.metadata.uid!;
    for (const { type, object } of ctx.garbageCollector.dependentsOf(uid)) {
      const updated = structuredClone(object);
      updated.metadata.ownerReferences =
        updated.metadata.ownerReferences!.filter(r => r.uid !== uid);
      store.update(type, updated);
    }
  }

  function describeRoute(
    route: Route,
    record: {
      group: string;
      resource: string;
      namespace?: string;
      name?: string;
    },
  ) {
    record.group = route.type.group;
    record.resource = route.subresource
      ? `${route.type.plural}/${route.subresource}`
      : route.type.plural;
    record.namespace = route.namespace;
    record.name = route.name;
  }

  function describeForAudit(
    segments: string[],
    record: {
      group: string;
      resource: string;
      namespace?: string;
      name?: string;
    },
  ) {
    if (segments[0] !== 'api' && segments[0] !== 'apis') return;
    try {
      const route = resolveRoute(segments);
      if (route === 'discovery') return;
      describeRoute(route, record);
    } catch {
      // Unknown paths are answered later; the record keeps what it has.
    }
  }

  return async function handle(
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const segments = url.pathname.split('/').filter(Boolean);
    const record = {
      user: '',
      impersonatedUser: undefined as string | undefined,
      impersonatedGroups: undefined as string[] | undefined,
      verb: (req.method ?? 'GET').toLowerCase(),
      group: '',
      resource: '',
      namespace: undefined as string | undefined,
      name: undefined as string | undefined,
      credentialId: undefined as string | undefined,
      dryRun: undefined as boolean | undefined,
      code: 500,
    };
    try {
      if (ctx.onAdminRoute && segments[0] === 'admin') {
        await ctx.onAdminRoute(req, res, url);
        return;
      }
      // Public, as for system:public-info-viewer in Kubernetes.
      if (
        ['/version', '/healthz', '/readyz', '/livez'].includes(url.pathname)
      ) {
        send(
          res,
          200,
          url.pathname === '/version'
            ? {
                major: '1',
                minor: '31',
                gitVersion: 'v1.31.0-kube-sim',
                platform: 'linux/amd64',
              }
            : 'ok',
        );
        record.code = 200;
        return;
      }
      // What the request is about goes into the audit record even when it is refused.
      describeForAudit(segments, record);
      const identity = ctx.authenticator.authenticate(req);
      if (!identity) throw StatusError.unauthorized();
      record.user = identity.user;
      record.credentialId = identity.credentialId;
      const { effective, impersonated } = impersonate(identity, req);
      record.impersonatedUser = impersonated?.user;
      record.impersonatedGroups = impersonated
        ? req.headersDistinct['impersonate-group'] ?? []
        : undefined;
      await ctx.faults.beforeRequest(req);

      // kubectl validates manifests against the OpenAPI schema; an empty protobuf answer tells it
      // there is none to check against (the simulator validates CRs itself, on write).
      if (url.pathname === '/openapi/v2') {
        res.writeHead(200, {
          'Content-Type':
            'application/com.github.proto-openapi.spec.v2.v1.0+protobuf',
          'Content-Length': 0,
        });
        res.end();
        record.code = 200;
        return;
      }
      if (segments[0] !== 'api' && segments[0] !== 'apis') {
        throw new StatusError(
          404,
          'NotFound',
          `the server could not find the requested resource (${url.pathname})`,
        );
      }
      const route =
        segments.length <= (segments[0] === 'api' ? 2 : 3)
          ? 'discovery'
          : resolveRoute(segments);
      if (route === 'discovery') {
        send(res, 200, discovery(segments));
        record.code = 200;
        return;
      }
      describeRoute(route, record);
      record.verb = verbOf(req.method ?? 'GET', route, url);
      if (url.searchParams.get('dryRun') === 'All') record.dryRun = true;
      record.code = await handleResource(route, req, res, url, effective);
    } catch (error) {
      const status = error instanceof StatusError ? error : undefined;
      if (!status)
        ctx.log('error', 'request failed', {
          path: url.pathname,
          error: String((error as Error)?.stack ?? error),
        });
      const body =
        status?.toBody() ??
        new StatusError(
          500,
          'InternalError',
          'an internal error occurred; see the simulator log',
        ).toBody();
      record.code = body.code;
      if (!res.headersSent) send(res, body.code, body);
      else res.end();
    } finally {
      if (segments[0] !== 'admin') ctx.audit.record(record);
    }
  };
}

const PROPAGATION_POLICIES = ['Foreground', 'Background', 'Orphan'];

/** A DELETE's propagation policy, from the query or a DeleteOptions body (Background if neither). */
function propagationPolicy(url: URL, body: string): string {
  const options = body.trim() ? parseJson(body) : {};
  const policy =
    url.searchParams.get('propagationPolicy') ??
    options?.propagationPolicy ??
    'Background';
  if (!PROPAGATION_POLICIES.includes(policy))
    throw StatusError.invalid('DeleteOptions', '', [
      {
        field: 'propagationPolicy',
        message: `Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`,
      },
    ]);
  return policy;
}

/** The Kubernetes verb of a request, as RBAC and audit name it. */
function verbOf(method: string, route: { name?: string }, url: URL): string {
  if (method === 'DELETE' && !route.name) return 'deletecollection';
  if (method !== 'GET') return VERB_BY_METHOD[method] ?? method.toLowerCase();
  if (route.name) return 'get';
  return ['1', 'true'].includes(url.searchParams.get('watch') ?? '')
    ? 'watch'
    : 'list';
}

function mergePatch(target: any, patch: any): any {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch))
    return structuredClone(patch);
  const result =
    target !== null && typeof target === 'object' && !Array.isArray(target)
      ? structuredClone(target)
      : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

function applyJsonPatch(target: KubeObject, operations: any): KubeObject {
  if (!Array.isArray(operations))
    throw StatusError.badRequest('a JSON patch must be a list of operations');
  const doc: any = structuredClone(target);
  for (const op of operations) {
    const parts = String(op.path ?? '')
      .split('/')
      .slice(1)
      .map((p: string) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (parts.length === 0)
      throw StatusError.badRequest(`invalid JSON patch path "${op.path}"`);
    const parent = parts
      .slice(0, -1)
      .reduce((node: any, key: string) => node?.[key], doc);
    const last = parts[parts.length - 1];
    if (parent === undefined || parent === null)
      throw StatusError.invalid(target.kind, target.metadata.name, [
        { field: op.path, message: 'path does not exist' },
      ]);
    if (op.op === 'add' || op.op === 'replace') {
      if (Array.isArray(parent)) {
        if (last === '-') parent.push(op.value);
        else if (op.op === 'add') parent.splice(Number(last), 0, op.value);
        else parent[Number(last)] = op.value;
      } else parent[last] = op.value;
    } else if (op.op === 'remove') {
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete parent[last];
    } else if (op.op === 'test') {
      if (JSON.stringify(parent[last]) !== JSON.stringify(op.value))
        throw StatusError.invalid(target.kind, target.metadata.name, [
          { field: op.path, message: 'test operation failed' },
        ]);
    } else {
      throw StatusError.badRequest(
        `unsupported JSON patch operation "${op.op}"`,
      );
    }
  }
  return doc;
}
