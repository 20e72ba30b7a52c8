/*
 * A cluster simulator for tests, with the Backstage backend's service-account token in a file and
 * the app-config entry that points the plugin at it.
 */
import {
  startKubeSim,
  type KubeSim,
  type KubeSimOptions,
} from '@crossplane-temporal/kube-sim';
import type { JsonObject } from '@backstage/types';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const BACKSTAGE_IDENTITY =
  'system:serviceaccount:crossplane-system:backstage';

export interface TestCluster {
  sim: KubeSim;
  /** One entry of `crossplaneTemporal.clusters`, named `local`. */
  clusterConfig: JsonObject;
  /** The file the backend reads its token from (rotate it to test token expiry). */
  tokenFile: string;
  stop(): Promise<void>;
}

export async function startTestCluster(
  options: KubeSimOptions = {},
): Promise<TestCluster> {
  const sim = await startKubeSim({ providerDelayMs: 20, ...options });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'test-cluster-'));
  const tokenFile = path.join(dir, 'token');
  fs.writeFileSync(tokenFile, sim.tokenFor(BACKSTAGE_IDENTITY));
  return {
    sim,
    clusterConfig: {
      name: 'local',
      url: sim.url,
      skipTLSVerify: true,
      auth: { type: 'serviceAccountToken', tokenFile },
    },
    tokenFile,
    async stop() {
      await sim.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
