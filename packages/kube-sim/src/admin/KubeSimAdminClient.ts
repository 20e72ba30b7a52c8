/*
 * A typed client for the simulator's admin endpoint; also works for a simulator started by the CLI.
 */
import http from 'node:http';
import https from 'node:https';
import type { AuditRecord } from '../api/audit';
import type { FaultSettings } from '../api/faults';
import type {
  ExternalResource,
  ProviderSettings,
} from '../crossplane/SimulatedProvider';

/** @public */
export interface ObjectSelector {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** @public */
export class KubeSimAdminClient {
  /**
   * @param url - the simulator's URL
   * @param caCertificate - for a simulator serving HTTPS: its certificate (PEM), to trust
   */
  constructor(
    private readonly url: string,
    private readonly caCertificate?: string,
  ) {}

  private call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const target = new URL(`${this.url}/admin${path}`);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const send = target.protocol === 'https:' ? https.request : http.request;
    return new Promise<T>((resolve, reject) => {
      const req = send(
        target,
        {
          method,
          ca: this.caCertificate,
          headers: payload ? { 'Content-Type': 'application/json' } : {},
        },
        res => {
          const chunks: Buffer[] = [];
          res.on('data', chunk => chunks.push(chunk));
          res.on('end', () => {
            try {
              const json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
              if ((res.statusCode ?? 500) >= 400)
                reject(
                  new Error(
                    `kube-sim admin ${method} ${path}: ${
                      json.message ?? res.statusCode
                    }`,
                  ),
                );
              else resolve(json as T);
            } catch (error) {
              reject(error);
            }
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Creates or replaces an object as the cluster administrator, bypassing RBAC. */
  applyManifest(object: unknown): Promise<unknown> {
    return this.call('POST', '/apply', object);
  }

  async audit(
    filter: Partial<
      Pick<AuditRecord, 'user' | 'verb' | 'resource' | 'namespace' | 'name'>
    > & { sinceSeq?: number } = {},
  ): Promise<{ lastSeq: number; records: AuditRecord[] }> {
    const query = new URLSearchParams(
      Object.entries(filter)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, String(v)]),
    );
    return this.call('GET', `/audit?${query}`);
  }

  setFaults(settings: FaultSettings): Promise<FaultSettings> {
    return this.call('PUT', '/faults', settings);
  }

  faults(): Promise<FaultSettings & { injected: number }> {
    return this.call('GET', '/faults');
  }

  dropWatches(): Promise<{ dropped: number }> {
    return this.call('POST', '/faults/drop-watches', {});
  }

  /** Makes an identity's token expire in `inMs` (0: now); `null` makes it valid again. */
  expireToken(user: string, inMs: number | null = 0): Promise<unknown> {
    return this.call('PUT', '/token-expiry', { user, inMs });
  }

  /** Adds a token for an identity (e.g. the rotated token of a service account). */
  addToken(
    token: string,
    user: string,
    groups: string[] = [],
  ): Promise<unknown> {
    return this.call('POST', '/tokens', { token, user, groups });
  }

  /** Deletes an object as an outside actor would, finalizers and all. */
  driftDelete(object: ObjectSelector): Promise<unknown> {
    return this.call('POST', '/drift', { ...object, action: 'delete' });
  }

  /** Changes an object as an outside actor would (merge patch), recorded under `manager`. */
  driftPatch(
    object: ObjectSelector,
    patch: Record<string, unknown>,
    manager = 'kubectl-edit',
  ): Promise<unknown> {
    return this.call('POST', '/drift', {
      ...object,
      action: 'patch',
      patch,
      manager,
    });
  }

  configureProvider(settings: ProviderSettings): Promise<ProviderSettings> {
    return this.call('PUT', '/provider', settings);
  }

  /** What the simulated provider created and has not deleted (orphans included). */
  async externalResources(): Promise<ExternalResource[]> {
    const { items } = await this.call<{ items: ExternalResource[] }>(
      'GET',
      '/cloud',
    );
    return items;
  }
}
