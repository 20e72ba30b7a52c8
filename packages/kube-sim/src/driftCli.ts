/*
 * `kube-sim drift`: changes or deletes an object of a running simulator the way an outside actor
 * would (someone with kubectl, a cloud console), so that drift detection can be tried by hand.
 * Finds the simulator through a kubeconfig it wrote: its server, and its CA when it serves HTTPS.
 */
import fs from 'node:fs';
import YAML from 'yaml';
import { KubeSimAdminClient } from './admin/KubeSimAdminClient';

export const DRIFT_USAGE = `usage: kube-sim drift delete APIVERSION KIND NAME [-n NAMESPACE] [--kubeconfig FILE]
       kube-sim drift patch APIVERSION KIND NAME --patch JSON [-n NAMESPACE] [--manager NAME] [--kubeconfig FILE]
  e.g. kube-sim drift delete sim.crossplane.io/v1alpha1 DatabaseInstance orders-db-x7k2p-5e8c0
       kube-sim drift patch database.example.org/v1alpha1 PostgreSQLInstance orders-db -n team-alpha --patch '{"spec":{"parameters":{"size":"large"}}}'
  The kubeconfig defaults to $KUBECONFIG.`;

export interface DriftCommand {
  action: 'delete' | 'patch';
  object: {
    apiVersion: string;
    kind: string;
    name: string;
    namespace?: string;
  };
  patch?: Record<string, unknown>;
  manager?: string;
  kubeconfig: string;
}

export function parseDriftArgs(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): DriftCommand {
  const positional: string[] = [];
  let namespace: string | undefined;
  let patchText: string | undefined;
  let manager: string | undefined;
  let kubeconfig = env.KUBECONFIG;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined)
        throw new Error(`${flag} needs a value\n${DRIFT_USAGE}`);
      return v;
    };
    if (flag === '-n' || flag === '--namespace') namespace = value();
    else if (flag === '--patch') patchText = value();
    else if (flag === '--manager') manager = value();
    else if (flag === '--kubeconfig') kubeconfig = value();
    else if (flag.startsWith('-'))
      throw new Error(`unknown option '${flag}'\n${DRIFT_USAGE}`);
    else positional.push(flag);
  }
  const [action, apiVersion, kind, name, ...extra] = positional;
  if (action !== 'delete' && action !== 'patch')
    throw new Error(`drift needs 'delete' or 'patch' first\n${DRIFT_USAGE}`);
  if (!apiVersion || !kind || !name || extra.length)
    throw new Error(
      `drift ${action} needs APIVERSION KIND NAME\n${DRIFT_USAGE}`,
    );
  if (!kubeconfig)
    throw new Error(
      `which simulator? pass --kubeconfig FILE or set KUBECONFIG\n${DRIFT_USAGE}`,
    );
  let patch: Record<string, unknown> | undefined;
  if (action === 'patch') {
    if (!patchText)
      throw new Error(`drift patch needs --patch JSON\n${DRIFT_USAGE}`);
    try {
      patch = JSON.parse(patchText);
    } catch (error) {
      throw new Error(`--patch is not valid JSON: ${(error as Error).message}`);
    }
  } else if (patchText) {
    throw new Error(`--patch goes with drift patch, not drift delete`);
  }
  return {
    action,
    object: { apiVersion, kind, name, namespace },
    patch,
    manager,
    kubeconfig,
  };
}

/** The admin client of the simulator a kubeconfig points at. */
export function adminClientFor(kubeconfigFile: string): KubeSimAdminClient {
  let config: any;
  try {
    config = YAML.parse(fs.readFileSync(kubeconfigFile, 'utf8'));
  } catch (error) {
    throw new Error(
      `cannot read the kubeconfig ${kubeconfigFile}: ${
        (error as Error).message
      }`,
    );
  }
  const contextName = config?.['current-context'];
  const context = config?.contexts?.find((c: any) => c.name === contextName);
  const cluster = config?.clusters?.find(
    (c: any) => c.name === context?.context?.cluster,
  )?.cluster;
  if (!cluster?.server)
    throw new Error(
      `${kubeconfigFile} has no server for its current context '${contextName}'`,
    );
  const ca = cluster['certificate-authority-data'];
  return new KubeSimAdminClient(
    cluster.server,
    ca ? Buffer.from(ca, 'base64').toString('utf8') : undefined,
  );
}

export async function runDrift(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${DRIFT_USAGE}\n`);
    return;
  }
  const command = parseDriftArgs(argv);
  const admin = adminClientFor(command.kubeconfig);
  if (command.action === 'delete') await admin.driftDelete(command.object);
  else await admin.driftPatch(command.object, command.patch!, command.manager);
  const { apiVersion, kind, name, namespace } = command.object;
  process.stdout.write(
    `${command.action === 'delete' ? 'deleted' : 'patched'} ${kind} ${
      namespace ? `${namespace}/` : ''
    }${name} (${apiVersion}) as an outside actor\n`,
  );
}
