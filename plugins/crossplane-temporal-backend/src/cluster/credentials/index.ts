/*
 * Where a cluster is and how to authenticate to it, from its config.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type https from 'node:https';
import type { ClusterConfig } from '../config';
import { clientCertificateCredentials } from './clientCertificate';
import { ExecCredentials } from './exec';
import { readFile } from './files';
import { TokenFileCredentials } from './tokenFile';
import type { Authentication, CredentialSource } from './types';

export type { Authentication, CredentialSource } from './types';

export interface ClusterEndpoint {
  url: string;
  ca?: string;
  skipTLSVerify: boolean;
  credentials: CredentialSource;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** What credentials take from where the backend runs; tests replace it. */
export interface CredentialEnvironment {
  /** For inCluster: KUBERNETES_SERVICE_HOST and _PORT. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** For inCluster: where the pod's token and ca.crt are. Default: the kubelet's mount. */
  serviceAccountDir?: string;
  /** The clock credential expiry is judged by. Default: Date.now. */
  now?: () => number;
}

/** A kubeconfig's current (or given) context, re-read when the server refuses its credentials. */
class KubeconfigCredentials implements CredentialSource {
  private kc!: KubeConfig;

  constructor(
    private readonly file: string,
    private readonly context?: string,
  ) {
    this.load();
  }

  private load() {
    // Loaded only for clusters that use a kubeconfig: the library costs a worker about 80 MB of
    // memory, and nothing else needs it.
    const { KubeConfig: KubeConfigClass } = require('@kubernetes/client-node');
    const kc: KubeConfig = new KubeConfigClass();
    kc.loadFromFile(this.file);
    if (this.context) kc.setCurrentContext(this.context);
    if (!kc.getCurrentCluster())
      throw new Error(
        `the kubeconfig ${
          this.file
        } has no cluster for context '${kc.getCurrentContext()}'`,
      );
    this.kc = kc;
  }

  cluster() {
    return this.kc.getCurrentCluster()!;
  }

  async authenticate(): Promise<Authentication> {
    const options: https.RequestOptions = { headers: {} };
    await this.kc.applyToHTTPSOptions(options);
    const headers = Object.fromEntries(
      Object.entries(options.headers ?? {})
        .filter(([k]) => k.toLowerCase() === 'authorization')
        .map(([k, v]) => [k, String(v)]),
    );
    return {
      headers,
      cert: options.cert?.toString(),
      key: options.key?.toString(),
    };
  }

  async refresh(): Promise<void> {
    this.load();
  }
}

function kubeconfigCa(cluster: {
  caData?: string;
  caFile?: string;
}): string | undefined {
  if (cluster.caData)
    return Buffer.from(cluster.caData, 'base64').toString('utf8');
  if (cluster.caFile) return readFile(cluster.caFile, 'the CA file');
  return undefined;
}

export function clusterEndpoint(
  config: ClusterConfig,
  {
    env = process.env,
    serviceAccountDir = SERVICE_ACCOUNT_DIR,
    now = Date.now,
  }: CredentialEnvironment = {},
): ClusterEndpoint {
  const ca = config.caFile ? readFile(config.caFile, 'the CA file') : undefined;
  const { auth } = config;
  switch (auth.type) {
    case 'serviceAccountToken':
      return {
        url: config.url!,
        ca,
        skipTLSVerify: config.skipTLSVerify,
        credentials: new TokenFileCredentials(auth.tokenFile, now),
      };
    case 'exec':
      return {
        url: config.url!,
        ca,
        skipTLSVerify: config.skipTLSVerify,
        credentials: new ExecCredentials(auth, now),
      };
    case 'clientCertificate':
      return {
        url: config.url!,
        ca,
        skipTLSVerify: config.skipTLSVerify,
        credentials: clientCertificateCredentials(auth.certFile, auth.keyFile),
      };
    case 'inCluster': {
      const host = env.KUBERNETES_SERVICE_HOST;
      const port = env.KUBERNETES_SERVICE_PORT ?? '443';
      if (!host)
        throw new Error(
          `cluster ${config.name}: auth type inCluster needs KUBERNETES_SERVICE_HOST; is the backend running in a pod?`,
        );
      return {
        url:
          config.url ??
          `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
        ca:
          ca ??
          readFile(`${serviceAccountDir}/ca.crt`, 'the service account CA'),
        skipTLSVerify: config.skipTLSVerify,
        credentials: new TokenFileCredentials(
          `${serviceAccountDir}/token`,
          now,
        ),
      };
    }
    case 'kubeconfig': {
      const credentials = new KubeconfigCredentials(auth.path, auth.context);
      const cluster = credentials.cluster();
      return {
        url: config.url ?? cluster.server,
        ca: ca ?? kubeconfigCa(cluster),
        skipTLSVerify: config.skipTLSVerify || Boolean(cluster.skipTLSVerify),
        credentials,
      };
    }
    default:
      throw new Error(`cluster ${config.name}: unsupported auth type`);
  }
}
