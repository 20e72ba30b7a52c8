/*
 * Where the plugin touches a cluster: every request to the Kubernetes API goes through here.
 * It finds a kind's resource through discovery, authenticates (refreshing credentials once when
 * the server refuses them), impersonates the requesting user and each of their groups when the
 * cluster's config says so (`impersonate`), and turns failures into ClusterRequestErrors the
 * workflows can decide on.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import { Agent, request, type Dispatcher } from 'undici';
import { backoffDelayMs, pause, type Backoff } from '../lib/backoff';
import { ClusterRequestError } from './errors';
import type { ClusterEndpoint } from './credentials';
import type {
  ApplyOptions,
  ClusterClient,
  ClusterErrorReason,
  DeleteOptions,
  KubeObject,
  ListQuery,
  ListResult,
  ObjectRef,
  RequestOptions,
  WatchEvent,
  WatchQuery,
} from './types';

const REQUEST_TIMEOUT_MS = 30_000;
const DISCOVERY_TTL_MS = 60_000;

interface ApiResource {
  plural: string;
  namespaced: boolean;
}

interface Call extends RequestOptions {
  method: 'GET' | 'PATCH' | 'DELETE' | 'POST' | 'PUT';
  path: string;
  query?: Record<string, string | undefined>;
  body?: string;
  contentType?: string;
}

const TRANSIENT_RETRIES = 3;
/** Quick, as client-go's: 0.1, 0.2, 0.4 s before the activity's own retry policy takes over. */
const TRANSIENT_BACKOFF: Backoff = { initialMs: 100, maxMs: 2_000 };
const TRANSIENT_STATUS = new Set([429, 500, 502, 503, 504]);

/** Node's codes for a server certificate that does not verify against the trusted CAs. */
const TLS_VERIFICATION_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The verification code of a request that failed on the server's certificate, if it did. */
function tlsVerificationFailure(error: unknown): string | undefined {
  for (let e: any = error; e; e = e.cause)
    if (typeof e.code === 'string' && TLS_VERIFICATION_CODES.has(e.code))
      return e.code;
  return undefined;
}

/** The server's Retry-After (capped at the backoff's bound), or the backoff's delay. */
function retryDelayMs(
  retryAfter: string | string[] | undefined,
  retry: number,
) {
  const seconds = Number(
    Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
  );
  if (Number.isFinite(seconds) && seconds > 0)
    return Math.min(seconds * 1000, TRANSIENT_BACKOFF.maxMs);
  return backoffDelayMs(TRANSIENT_BACKOFF, retry);
}

/** The fields a server-side apply would take from other managers, as the API server lists them. */
function fieldConflicts(body: any): string[] {
  const causes: any[] = body?.details?.causes ?? [];
  return causes
    .filter(c => c?.reason === 'FieldManagerConflict')
    .map(c => String(c.message ?? c.field));
}

function reasonFor(status: number, body: any): ClusterErrorReason {
  if (status === 401) return 'Unauthorized';
  if (status === 403) return 'Forbidden';
  if (status === 404) return 'NotFound';
  if (status === 409) {
    if (body?.reason === 'AlreadyExists') return 'AlreadyExists';
    return fieldConflicts(body).length > 0 ? 'FieldConflict' : 'Conflict';
  }
  if (status === 400 || status === 422 || status === 415) return 'Invalid';
  return 'Transient';
}

export class KubeClusterClient implements ClusterClient {
  private readonly agents = new Map<string, Agent>();
  private readonly discovery = new Map<
    string,
    { at: number; resources: Map<string, ApiResource> }
  >();

  constructor(
    readonly name: string,
    private readonly endpoint: ClusterEndpoint,
    /** With `false`, every request is made as the backend's own identity, whatever `as` says. */
    readonly impersonatesUsers: boolean,
    private readonly logger: LoggerService,
  ) {}

  async apply(object: KubeObject, options: ApplyOptions): Promise<KubeObject> {
    const path = await this.objectPath(
      object.apiVersion,
      object.kind,
      object.metadata.namespace,
      object.metadata.name,
    );
    return this.call({
      method: 'PATCH',
      path,
      query: {
        fieldManager: options.fieldManager,
        force: options.force ? 'true' : undefined,
        dryRun: options.dryRun ? 'All' : undefined,
      },
      body: JSON.stringify(object),
      contentType: 'application/apply-patch+yaml',
      as: options.as,
      signal: options.signal,
    });
  }

  async get(
    ref: ObjectRef,
    options: RequestOptions = {},
  ): Promise<KubeObject | undefined> {
    try {
      const path = await this.pathOf(ref);
      return await this.call({ method: 'GET', path, ...options });
    } catch (error) {
      if (error instanceof ClusterRequestError && error.reason === 'NotFound')
        return undefined;
      throw error;
    }
  }

  async list(
    query: ListQuery,
    options: RequestOptions = {},
  ): Promise<KubeObject[]> {
    const path = await this.objectPath(
      query.apiVersion,
      query.kind,
      query.namespace,
    );
    const list = await this.call<{ items: KubeObject[] }>({
      method: 'GET',
      path,
      query: { labelSelector: query.labelSelector },
      ...options,
    });
    // Lists leave apiVersion and kind off their items.
    return list.items.map(item => ({
      ...item,
      apiVersion: query.apiVersion,
      kind: query.kind,
    }));
  }

  async delete(
    ref: ObjectRef,
    options: DeleteOptions = {},
  ): Promise<'deleted' | 'notFound'> {
    try {
      const path = await this.pathOf(ref);
      await this.call({
        method: 'DELETE',
        path,
        body: options.propagationPolicy
          ? JSON.stringify({
              kind: 'DeleteOptions',
              apiVersion: 'v1',
              propagationPolicy: options.propagationPolicy,
            })
          : undefined,
        contentType: 'application/json',
        as: options.as,
        signal: options.signal,
      });
      return 'deleted';
    } catch (error) {
      if (error instanceof ClusterRequestError && error.reason === 'NotFound')
        return 'notFound';
      throw error;
    }
  }

  async listWithVersion(
    query: ListQuery,
    options: RequestOptions = {},
  ): Promise<ListResult> {
    const path = await this.objectPath(
      query.apiVersion,
      query.kind,
      query.namespace,
    );
    const list = await this.call<{
      items: KubeObject[];
      metadata: { resourceVersion: string };
    }>({
      method: 'GET',
      path,
      query: { labelSelector: query.labelSelector },
      ...options,
    });
    return {
      items: list.items.map(item => ({
        ...item,
        apiVersion: query.apiVersion,
        kind: query.kind,
      })),
      resourceVersion: list.metadata.resourceVersion,
    };
  }

  async watch(
    query: WatchQuery,
    onEvent: (event: WatchEvent) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const path = await this.objectPath(
      query.apiVersion,
      query.kind,
      query.namespace,
    );
    const auth = await this.endpoint.credentials.authenticate();
    const url = new URL(path, this.endpoint.url);
    url.searchParams.set('watch', 'true');
    url.searchParams.set('allowWatchBookmarks', 'true');
    if (query.resourceVersion)
      url.searchParams.set('resourceVersion', query.resourceVersion);
    if (query.labelSelector)
      url.searchParams.set('labelSelector', query.labelSelector);
    const response = await request(url, {
      method: 'GET',
      headers: { Accept: 'application/json', ...auth.headers },
      signal,
      dispatcher: this.agentFor(auth.cert, auth.key),
    }).catch(error => {
      throw new ClusterRequestError(
        'Transient',
        `cluster ${this.name}: watch could not start: ${
          (error as Error).message
        }`,
      );
    });
    if (response.statusCode !== 200) {
      const body = await response.body.text();
      if (response.statusCode === 401)
        await this.endpoint.credentials.refresh();
      let message = `HTTP ${response.statusCode}`;
      try {
        message = JSON.parse(body).message ?? message;
      } catch {
        // Not a Status body.
      }
      throw new ClusterRequestError(
        reasonFor(response.statusCode, undefined),
        `cluster ${this.name}: watch refused: ${message}`,
        response.statusCode,
      );
    }
    let buffered = '';
    try {
      for await (const chunk of response.body) {
        buffered += chunk.toString();
        let newline = buffered.indexOf('\n');
        while (newline !== -1) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          if (line) onEvent(JSON.parse(line) as WatchEvent);
          newline = buffered.indexOf('\n');
        }
      }
    } catch (error) {
      // A dropped connection or an abort ends the watch; the caller resumes or stops.
      if (!signal.aborted)
        this.logger.debug('watch ended', {
          cluster: this.name,
          kind: query.kind,
          error: String(error),
        });
    }
  }

  /** Closes the connections; the client cannot be used afterwards. */
  async close(): Promise<void> {
    await Promise.all([...this.agents.values()].map(agent => agent.close()));
    this.agents.clear();
  }

  // ---- discovery --------------------------------------------------------------------------------

  private async resourceFor(
    apiVersion: string,
    kind: string,
  ): Promise<ApiResource> {
    const cached = this.discovery.get(apiVersion);
    const fresh = cached && Date.now() - cached.at < DISCOVERY_TTL_MS;
    let resource = fresh ? cached.resources.get(kind) : undefined;
    if (!resource) {
      // A kind not seen yet may come from a CRD created since the last look.
      const path = apiVersion.includes('/')
        ? `/apis/${apiVersion}`
        : `/api/${apiVersion}`;
      let list: {
        resources: Array<{ name: string; kind: string; namespaced: boolean }>;
      };
      try {
        list = await this.call({ method: 'GET', path });
      } catch (error) {
        if (
          error instanceof ClusterRequestError &&
          error.reason === 'NotFound'
        ) {
          throw new ClusterRequestError(
            'NotFound',
            `cluster ${this.name} does not serve ${apiVersion}`,
            404,
          );
        }
        throw error;
      }
      const resources = new Map<string, ApiResource>();
      for (const r of list.resources) {
        if (!r.name.includes('/'))
          resources.set(r.kind, { plural: r.name, namespaced: r.namespaced });
      }
      this.discovery.set(apiVersion, { at: Date.now(), resources });
      resource = resources.get(kind);
    }
    if (!resource) {
      throw new ClusterRequestError(
        'NotFound',
        `cluster ${this.name} has no kind ${kind} in ${apiVersion}`,
        404,
      );
    }
    return resource;
  }

  private pathOf(ref: ObjectRef): Promise<string> {
    return this.objectPath(ref.apiVersion, ref.kind, ref.namespace, ref.name);
  }

  private async objectPath(
    apiVersion: string,
    kind: string,
    namespace?: string,
    name?: string,
  ): Promise<string> {
    const resource = await this.resourceFor(apiVersion, kind);
    const prefix = apiVersion.includes('/')
      ? `/apis/${apiVersion}`
      : `/api/${apiVersion}`;
    const scope =
      resource.namespaced && namespace
        ? `/namespaces/${encodeURIComponent(namespace)}`
        : '';
    return `${prefix}${scope}/${resource.plural}${
      name ? `/${encodeURIComponent(name)}` : ''
    }`;
  }

  // ---- requests ---------------------------------------------------------------------------------

  private agentFor(cert?: string, key?: string): Agent {
    const key_ = `${cert ?? ''}|${key ?? ''}`;
    let agent = this.agents.get(key_);
    if (!agent) {
      agent = new Agent({
        connect: {
          ca: this.endpoint.ca,
          cert,
          key,
          rejectUnauthorized: !this.endpoint.skipTLSVerify,
        },
        keepAliveTimeout: 30_000,
      });
      this.agents.set(key_, agent);
    }
    return agent;
  }

  private async call<T = KubeObject>(call: Call): Promise<T> {
    let response = await this.send(call);
    if (response.statusCode === 401) {
      // Tokens rotate and expire: get fresh credentials once, then give up.
      await response.body.dump();
      await this.endpoint.credentials.refresh();
      response = await this.send(call);
    }
    // An overloaded or briefly failing API server: a few quick retries of an idempotent request,
    // as client-go does, before the activity's own retry policy takes over.
    for (
      let retry = 1;
      retry <= TRANSIENT_RETRIES &&
      TRANSIENT_STATUS.has(response.statusCode) &&
      call.method !== 'POST';
      retry++
    ) {
      const delayMs = retryDelayMs(response.headers['retry-after'], retry);
      await response.body.dump();
      await pause(delayMs, call.signal);
      response = await this.send(call);
    }
    const text = await response.body.text();
    let body: any;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (response.statusCode >= 200 && response.statusCode < 300)
      return body as T;

    const reason = reasonFor(response.statusCode, body);
    const serverMessage: string =
      body?.message ?? `HTTP ${response.statusCode}`;
    let message = `cluster ${this.name}: ${serverMessage}`;
    if (reason === 'Unauthorized')
      message = `cluster ${this.name} refused the backend's credentials even after refreshing them`;
    else if (reason === 'FieldConflict')
      message = `cluster ${this.name}: ${[
        body.details?.kind,
        body.details?.name,
      ]
        .filter(Boolean)
        .join(' ')} has fields someone else manages (${fieldConflicts(
        body,
      ).join(
        '; ',
      )}); undo their change, or let a drift repair take the fields back`;
    this.logger.debug('cluster request failed', {
      cluster: this.name,
      method: call.method,
      path: call.path,
      status: response.statusCode,
    });
    throw new ClusterRequestError(reason, message, response.statusCode);
  }

  private async send(call: Call): Promise<Dispatcher.ResponseData> {
    const auth = await this.endpoint.credentials.authenticate().catch(error => {
      throw new ClusterRequestError(
        'Unauthorized',
        `cluster ${this.name}: ${(error as Error).message}`,
      );
    });
    const headers: Record<string, string | string[]> = {
      Accept: 'application/json',
      ...auth.headers,
    };
    if (call.contentType && call.body !== undefined)
      headers['Content-Type'] = call.contentType;
    if (call.as && this.impersonatesUsers) {
      headers['Impersonate-User'] = call.as.user;
      // One header line per group: a comma-joined value would be a single group to Kubernetes.
      if (call.as.groups.length) headers['Impersonate-Group'] = call.as.groups;
    }
    const url = new URL(call.path, this.endpoint.url);
    for (const [key, value] of Object.entries(call.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, value);
    }
    const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    const signal = call.signal
      ? AbortSignal.any([call.signal, timeout])
      : timeout;
    try {
      return await request(url, {
        method: call.method,
        headers,
        body: call.body,
        signal,
        dispatcher: this.agentFor(auth.cert, auth.key),
      });
    } catch (error) {
      const code = tlsVerificationFailure(error);
      // Trying again cannot help: the CA the backend was given is not the cluster's.
      if (code)
        throw new ClusterRequestError(
          'Untrusted',
          `cluster ${this.name} presented a certificate the backend does not trust (${code}); check the CA configured for it (caFile, the kubeconfig's certificate-authority, or the service account's ca.crt)`,
        );
      const why = timeout.aborted
        ? `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`
        : (error as Error).message;
      throw new ClusterRequestError(
        'Transient',
        `cluster ${this.name} could not be reached: ${why}`,
      );
    }
  }
}
