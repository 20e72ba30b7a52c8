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
import { requestToken, type TokenRequestSpec } from './api/tokenRequests';
import {
  ClientCertificateAuthority,
  type ClientCertificate,
} from './auth/clientCertificates';
import { TokenAuthenticator } from './auth/identities';
import { RbacAuthorizer } from './auth/rbac';
import { RequestAuthenticator } from './auth/requestAuthentication';
import {
  ServiceAccountTokens,
  type IssuedToken,
} from './auth/serviceAccountTokens';
import { GarbageCollector } from './controllers/GarbageCollector';
import { CrossplaneSimulation } from './crossplane/CrossplaneSimulation';
import { kubeconfig } from './kubeconfigs';
import { createLogger, type LogLevel } from './logger';
import { ObjectStore } from './store/ObjectStore';
import {
  CRD_TYPE,
  ResourceRegistry,
  SERVICE_ACCOUNT_TYPE,
} from './store/ResourceRegistry';
import type { KubeObject, StoredEvent } from './store/types';

/** @public */
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
  /**
   * Whether claims' conditions say which generation they are about (`observedGeneration`), as
   * from Crossplane 1.19. Default true; false behaves as earlier Crossplane versions.
   */
  claimConditionGenerations?: boolean;
  /** Enforce RBAC (default true). */
  rbac?: boolean;
  /**
   * Events kept per resource type for watches to resume from (default 2,000); a watch from an
   * older resourceVersion gets `410 Gone`. Small values make expiry easy to reach in tests.
   */
  watchCacheSize?: number;
  /**
   * Serve HTTPS with a certificate generated at start, trusted by the kubeconfigs it writes
   * (kubectl sends bearer tokens only over TLS), and authenticate client certificates signed by a
   * client CA generated at start. Default: plain HTTP.
   */
  https?: boolean;
  /**
   * The clock (milliseconds) service account tokens are issued and judged by, and token expiry
   * set through the admin endpoint. Default: `Date.now`. Tests move it on instead of waiting; TLS
   * judges certificates by the real time.
   */
  now?: () => number;
  logLevel?: LogLevel;
}

/** @public */
export interface KubeSim {
  url: string;
  /** With `https`: the serving certificate (PEM), which clients trust as their CA. */
  caCertificate?: string;
  kubeconfigPath: string;
  /**
   * A kubeconfig (YAML) for one of the identities in the users file, by user name: with its bearer
   * token, or with `clientCertificate` (needs `https`) a client certificate for it and its groups.
   */
  kubeconfigFor(
    user: string,
    options?: { clientCertificate?: boolean },
  ): string;
  /** The bearer token of an identity in the users file. */
  tokenFor(user: string): string;
  /**
   * With `https`: a certificate and key (PEM) from the simulator's client CA that authenticate as
   * `user` (the subject's CN) in `groups` (one O each), as kube-apiserver's `--client-ca-file`.
   */
  issueClientCertificate(user: string, groups?: string[]): ClientCertificate;
  /**
   * A bound token of a stored service account, as the TokenRequest API (`kubectl create token`)
   * issues it to the cluster administrator: a JWT that expires after `expirationSeconds`
   * (default 3600, at least 600).
   */
  serviceAccountToken(
    namespace: string,
    name: string,
    spec?: TokenRequestSpec,
  ): IssuedToken;
  admin: KubeSimAdminClient;
  /**
   * Calls the listener, in process, right after every stored change (API writes and the
   * simulated controllers' alike), until the returned function is called. For benchmarks that
   * time what happens after the simulator changed something.
   */
  onChange(listener: (event: StoredEvent) => void): () => void;
  stop(): Promise<void>;
}

/**
 * The fixtures that ship with the package.
 *
 * @public
 */
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

/** @public */
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

  const now = options.now ?? Date.now;
  const store = new ObjectStore(options.watchCacheSize);
  const registry = new ResourceRegistry();
  const authenticator = TokenAuthenticator.fromFile(usersFile, now);
  const serviceAccountTokens = new ServiceAccountTokens({
    serviceAccount: (namespace, name) =>
      store.get(SERVICE_ACCOUNT_TYPE, namespace, name),
    now,
  });
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
    claimConditionGenerations: options.claimConditionGenerations ?? true,
  });

  const garbageCollector = new GarbageCollector({ store, registry, log });
  const apiHandler = createApiHandler({
    store,
    registry,
    garbageCollector,
    authenticator: new RequestAuthenticator(
      authenticator,
      serviceAccountTokens,
    ),
    serviceAccountTokens,
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
  const clientCa = serving ? new ClientCertificateAuthority() : undefined;
  const onRequest: http.RequestListener = (req, res) => {
    apiHandler(req, res).catch(error => {
      log('error', 'unhandled request error', { error: String(error) });
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };
  const server = serving
    ? https.createServer(
        {
          cert: serving.cert,
          key: serving.key,
          // Ask for a client certificate without insisting, as kube-apiserver does: one that does
          // not verify against the client CA leaves the request to bearer tokens.
          ca: clientCa!.certificate,
          requestCert: true,
          rejectUnauthorized: false,
        },
        onRequest,
      )
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
      { token: authenticator.tokenFor('kube-admin') ?? '' },
      serving?.cert,
    ),
  );
  log('info', 'kube-sim ready', { url, kubeconfig: kubeconfigPath });

  const identityFor = (user: string) => {
    const identity = authenticator.users().find(u => u.user === user);
    if (!identity) throw new Error(`no identity '${user}' in ${usersFile}`);
    return identity;
  };
  const issueClientCertificate = (user: string, groups: string[] = []) => {
    if (!clientCa)
      throw new Error(
        'client certificates need https: kube-sim verifies them in the TLS handshake',
      );
    return clientCa.issue(user, groups);
  };

  return {
    url,
    caCertificate: serving?.cert,
    kubeconfigPath,
    kubeconfigFor: (user, kubeconfigOptions) => {
      const { token, groups } = identityFor(user);
      return kubeconfig(
        url,
        user,
        kubeconfigOptions?.clientCertificate
          ? issueClientCertificate(user, groups)
          : { token },
        serving?.cert,
      );
    },
    tokenFor: user => identityFor(user).token,
    issueClientCertificate,
    serviceAccountToken(namespace, name, spec = {}) {
      const serviceAccount = store.get(SERVICE_ACCOUNT_TYPE, namespace, name);
      if (!serviceAccount)
        throw new Error(
          `no service account '${name}' in namespace '${namespace}'`,
        );
      return requestToken(serviceAccountTokens, serviceAccount, { spec })
        .status;
    },
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
