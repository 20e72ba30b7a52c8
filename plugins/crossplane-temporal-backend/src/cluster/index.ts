/*
 * The clusters of app-config, each behind a ClusterClient.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { readClusterConfigs } from './config';
import { clusterEndpoint, type CredentialEnvironment } from './credentials';
import { ClusterRequestError } from './errors';
import { KubeClusterClient } from './KubeClusterClient';
import type { ClusterClients } from './types';

export { ClusterRequestError } from './errors';
export { readClusterConfigs } from './config';
export type * from './types';

export function createClusterClients(options: {
  config: Config;
  logger: LoggerService;
  /** Where the backend runs (env, service account dir, clock); tests replace it. */
  environment?: CredentialEnvironment;
}): ClusterClients & { close(): Promise<void> } {
  const clients = new Map<string, KubeClusterClient>();
  for (const cluster of readClusterConfigs(options.config)) {
    clients.set(
      cluster.name,
      new KubeClusterClient(
        cluster.name,
        clusterEndpoint(cluster, options.environment),
        cluster.impersonate,
        options.logger.child({ cluster: cluster.name }),
      ),
    );
  }
  return {
    get(name) {
      const client = clients.get(name);
      if (!client) {
        throw new ClusterRequestError(
          'UnknownCluster',
          `no cluster named '${name}' in crossplaneTemporal.clusters; configured: ${
            [...clients.keys()].join(', ') || 'none'
          }`,
        );
      }
      return client;
    },
    names: () => [...clients.keys()],
    async close() {
      await Promise.all([...clients.values()].map(c => c.close()));
    },
  };
}
