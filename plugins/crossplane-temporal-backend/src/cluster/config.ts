/*
 * The clusters of app-config (`crossplaneTemporal.clusters`), checked up front so that a mistake
 * is reported with its config path instead of surfacing as a failed request later.
 */
import type { Config } from '@backstage/config';

export type ClusterAuthConfig =
  | { type: 'serviceAccountToken'; tokenFile: string }
  | {
      type: 'exec';
      command: string;
      args: string[];
      env: Array<{ name: string; value: string }>;
      apiVersion: string;
    }
  | { type: 'clientCertificate'; certFile: string; keyFile: string }
  | { type: 'inCluster' }
  | { type: 'kubeconfig'; path: string; context?: string };

export interface ClusterConfig {
  name: string;
  url?: string;
  caFile?: string;
  skipTLSVerify: boolean;
  auth: ClusterAuthConfig;
  impersonate: boolean;
}

const AUTH_TYPES = [
  'serviceAccountToken',
  'exec',
  'clientCertificate',
  'inCluster',
  'kubeconfig',
];

export function readClusterConfigs(config: Config): ClusterConfig[] {
  const clusters =
    config.getOptionalConfigArray('crossplaneTemporal.clusters') ?? [];
  const names = new Set<string>();
  return clusters.map((cluster, index) => {
    const at = `crossplaneTemporal.clusters[${index}]`;
    const name = cluster.getString('name');
    if (names.has(name))
      throw new Error(
        `${at}.name: cluster '${name}' is configured twice; names must be unique`,
      );
    names.add(name);
    const auth = cluster.getConfig('auth');
    const type = auth.getString('type');
    if (!AUTH_TYPES.includes(type)) {
      throw new Error(
        `${at}.auth.type must be one of ${AUTH_TYPES.join(
          ', ',
        )}; got '${type}'`,
      );
    }
    let authConfig: ClusterAuthConfig;
    if (type === 'serviceAccountToken')
      authConfig = { type, tokenFile: auth.getString('tokenFile') };
    else if (type === 'exec') {
      authConfig = {
        type,
        command: auth.getString('command'),
        args: auth.getOptionalStringArray('args') ?? [],
        env: (auth.getOptionalConfigArray('env') ?? []).map(e => ({
          name: e.getString('name'),
          value: e.getString('value'),
        })),
        apiVersion:
          auth.getOptionalString('apiVersion') ??
          'client.authentication.k8s.io/v1',
      };
    } else if (type === 'clientCertificate')
      authConfig = {
        type,
        certFile: auth.getString('certFile'),
        keyFile: auth.getString('keyFile'),
      };
    else if (type === 'kubeconfig')
      authConfig = {
        type,
        path: auth.getString('path'),
        context: auth.getOptionalString('context'),
      };
    else authConfig = { type: 'inCluster' };
    const url = cluster.getOptionalString('url');
    if (!url && type !== 'inCluster' && type !== 'kubeconfig') {
      throw new Error(`${at}.url is required with auth type ${type}`);
    }
    return {
      name,
      url,
      caFile: cluster.getOptionalString('caFile'),
      skipTLSVerify: cluster.getOptionalBoolean('skipTLSVerify') ?? false,
      auth: authConfig,
      impersonate: cluster.getOptionalBoolean('impersonate') ?? true,
    };
  });
}
