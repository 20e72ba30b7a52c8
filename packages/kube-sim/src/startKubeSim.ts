/*
 * Assembles the simulator: store, API, auth, controllers, admin endpoint; loads fixtures; writes
 * kubeconfigs. This is the programmatic entry point; the CLI is a thin layer over it.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import YAML from 'yaml';
import { createAdminHandler } from './admin/adminRoutes';
import { KubeSimAdminClient } from './admin/KubeSimAdminClient';
import { AuditLog } from './api/audit';
import { FaultInjector } from './api/faults';
import { generateServingCertificate } from './api/tls';
import { createApiHandler } from './api/KubeApiServer';
import { TokenAuthenticator } from './auth/identities';
import { RbacAuthorizer } from './auth/rbac';
import { GarbageCollector } from './controllers/GarbageCollector';
import { CrossplaneSimulation } from './crossplane/CrossplaneSimulation';
import { createLogger, type LogLevel } from './logger';
import { ObjectStore } from './store/ObjectStore';
import { CRD_TYPE, ResourceRegistry } from './store/ResourceRegistry';
import type { KubeObject, StoredEvent } from './store/types';

export interface KubeSimOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** A folder of YAML manifests applied at start; `false` for none. Default: the package's fixtures. */
  fixtures?: string | false;
  /** Users file (tokens → user and groups). Default: the fixtures' users.yaml. */
  usersFile?: string;
  /** Where to write the admin kubeconfig. Default: a file in the OS temp folder. */
  kubeconfigOut?: string;
  /** Persist the store here: loaded at start, written on change (debounced) and at stop. */
  stateFile?: string;
  /** How long the simulated provider takes to make a managed resource ready. Default 500 ms. */
  providerDelayMs?: number;
  /** Enforce RBAC (default true). */
  rbac?: boolean;
  /**
   * Events kept per resource type for watches to resume from (default 2,000); a watch from an
   * older resourceVersion gets `410 Gone`. Small values make expiry easy to reach in tests.
   */
  watchCacheSize?: number;
  /**
   * Serve HTTPS with a certificate generated at start, trusted by the kubeconfigs it writes
   * (kubectl sends bearer tokens only over TLS). Default: plain HTTP.
   */
  https?: boolean;
  logLevel?: LogLevel;
}

export interface KubeSim {
  url: string;
  /** With `https`: the serving certificate (PEM), which clients trust as their CA. */
  caCertificate?: string;
  kubeconfigPath: string;
  /** A kubeconfig (YAML) for one of the identities in the users file, by user name. */
  kubeconfigFor(user: string): string;
  /** The bearer token of an identity in the users file. */
  tokenFor(user: string): string;
  admin: KubeSimAdminClient;
  /**
   * Calls the listener, in process, right after every stored change (API writes and the
   * simulated controllers' alike), until the returned function is called. For benchmarks that
   * time what happens after the simulator changed something.
   */
  onChange(listener: (event: StoredEvent) => void): () => void;
  stop(): Promise<void>;
}

/** The fixtures that ship with the package. */
export const DEFAULT_FIXTURES = path.join(
  path.dirname(require.resolve('@crossplane-temporal/kube-sim/package.json')),
  'fixtures',
);

function loadManifests(dir: string): KubeObject[] {
  const files = fs
    .readdirSync(dir)
    .filter(f => /\.ya?ml$/.test(f) && f !== 'users.yaml')
    .sort();
  const objects: KubeObject[] = [];
  for (const file of files) {
    for (const doc of YAML.parseAllDocuments(
      fs.readFileSync(path.join(dir, file), 'utf8'),
    )) {
      if (doc.errors.length)
        throw new Error(`${path.join(dir, file)}: ${doc.errors[0].message}`);
      const object = doc.toJSON();
      if (object) objects.push(object);
    }
  }
  // CRDs and XRDs first, so that the kinds they define exist when their objects arrive.
  const order = ['CustomResourceDefinition', 'CompositeResourceDefinition'];
  const rank = (o: KubeObject) =>
    order.includes(o.kind) ? order.indexOf(o.kind) : order.length;
  return objects.sort((a, b) => rank(a) - rank(b));
}

function kubeconfig(
  url: string,
  user: string,
  token: string,
  caCertificate?: string,
): string {
  return YAML.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'kube-sim',
        // client-node refuses plain HTTP unless TLS verification is off; there is no TLS to verify.
        cluster: caCertificate
          ? {
              server: url,
              'certificate-authority-data':
                Buffer.from(caCertificate).toString('base64'),
            }
          : { server: url, 'insecure-skip-tls-verify': true },
      },
    ],
    users: [{ name: user, user: { token } }],
    contexts: [
      { name: `${user}@kube-sim`, context: { cluster: 'kube-sim', user } },
    ],
    'current-context': `${user}@kube-sim`,
  });
}

export async function startKubeSim(
  options: KubeSimOptions = {},
): Promise<KubeSim> {
  const log = createLogger(options.logLevel ?? 'warn');
  const fixtures =
    options.fixtures === undefined ? DEFAULT_FIXTURES : options.fixtures;
  const usersFile =
    options.usersFile ??
    (fixtures
      ? path.join(fixtures, 'users.yaml')
      : path.join(DEFAULT_FIXTURES, 'users.yaml'));

  const store = new ObjectStore(options.watchCacheSize);
  const registry = new ResourceRegistry();
  const authenticator = TokenAuthenticator.fromFile(usersFile);
  const audit = new AuditLog();
  const faults = new FaultInjector();

  const type = (group: string, plural: string) =>
    registry.all().find(t => t.group === group && t.plural === plural)!;
  const rbac =
    options.rbac === false
      ? undefined
      : new RbacAuthorizer({
          roles: ns =>
            store.list(type('rbac.authorization.k8s.io', 'roles'), ns),
          clusterRoles: () =>
            store.list(type('rbac.authorization.k8s.io', 'clusterroles')),
          roleBindings: ns =>
            store.list(type('rbac.authorization.k8s.io', 'rolebindings'), ns),
          clusterRoleBindings: () =>
            store.list(
              type('rbac.authorization.k8s.io', 'clusterrolebindings'),
            ),
        });

  // CRDs become served types as soon as they are stored, whoever creates them.
  store.watch(CRD_TYPE, undefined, Number(store.resourceVersion), event => {
    if (event.type === 'DELETED') registry.unregisterCrd(event.object);
    else registry.registerCrd(event.object);
  });

  if (options.stateFile && fs.existsSync(options.stateFile)) {
    const dump = JSON.parse(fs.readFileSync(options.stateFile, 'utf8'));
    for (const { object } of dump.objects.filter(
      (o: any) => o.object.kind === 'CustomResourceDefinition',
    )) {
      registry.registerCrd(object);
    }
    store.restore(dump, key => registry.byStoreKey(key));
    log('info', 'state restored', {
      stateFile: options.stateFile,
      objects: dump.objects.length,
    });
  }

  const crossplane = new CrossplaneSimulation({
    store,
    registry,
    log,
    providerDelayMs: options.providerDelayMs ?? 500,
  });

  const garbageCollector = new GarbageCollector({ store, registry, log });
  const apiHandler = createApiHandler({
    store,
    registry,
    garbageCollector,
    authenticator,
    rbac,
    audit,
    faults,
    log,
    onAdminRoute: createAdminHandler({
      store,
      registry,
      audit,
      faults,
      authenticator,
      crossplane,
    }),
  });
  const host = options.host ?? '127.0.0.1';
  const serving = options.https ? generateServingCertificate(host) : undefined;
  const onRequest: http.RequestListener = (req, res) => {
    apiHandler(req, res).catch(error => {
      log('error', 'unhandled request error', { error: String(error) });
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };
  const server = serving
    ? https.createServer({ cert: serving.cert, key: serving.key }, onRequest)
    : http.createServer(onRequest);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `${serving ? 'https' : 'http'}://${host}:${address.port}`;

  // Fixtures go through the same admission as API writes, as the cluster administrator.
  if (fixtures && !(options.stateFile && fs.existsSync(options.stateFile))) {
    const admin = new KubeSimAdminClient(url, serving?.cert);
    for (const object of loadManifests(fixtures))
      await admin.applyManifest(object);
  }
  crossplane.start();
  garbageCollector.start();

  let persistTimer: NodeJS.Timeout | undefined;
  const persist = () => {
    if (!options.stateFile) return;
    fs.mkdirSync(path.dirname(options.stateFile), { recursive: true });
    const temp = `${options.stateFile}.tmp`;
    fs.writeFileSync(temp, JSON.stringify(store.dump()));
    fs.renameSync(temp, options.stateFile);
  };
  // Write-behind: changes are flushed within 200 ms, and at stop.
  const unsubscribe = options.stateFile
    ? store.onAnyChange(() => {
        persistTimer ??= setTimeout(() => {
          persistTimer = undefined;
          persist();
        }, 200);
      })
    : () => {};

  const kubeconfigPath =
    options.kubeconfigOut ??
    path.join(
      fs.mkdtempSync(path.join(os.tmpdir(), 'kube-sim-')),
      'kubeconfig',
    );
  fs.mkdirSync(path.dirname(kubeconfigPath), { recursive: true });
  fs.writeFileSync(
    kubeconfigPath,
    kubeconfig(
      url,
      'kube-admin',
      authenticator.tokenFor('kube-admin') ?? '',
      serving?.cert,
    ),
  );
  log('info', 'kube-sim ready', { url, kubeconfig: kubeconfigPath });

  const tokenFor = (user: string) => {
    const token = authenticator.tokenFor(user);
    if (!token) throw new Error(`no identity '${user}' in ${usersFile}`);
    return token;
  };

  return {
    url,
    caCertificate: serving?.cert,
    kubeconfigPath,
    kubeconfigFor: user => kubeconfig(url, user, tokenFor(user), serving?.cert),
    tokenFor,
    admin: new KubeSimAdminClient(url, serving?.cert),
    onChange: listener => store.onAnyChange(listener),
    async stop() {
      crossplane.stop();
      garbageCollector.stop();
      faults.dropWatches();
      unsubscribe();
      if (persistTimer) clearTimeout(persistTimer);
      persist();
      server.closeAllConnections();
      await new Promise<void>(resolve => server.close(() => resolve()));
    },
  };
}
