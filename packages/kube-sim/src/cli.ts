/*
 * The command line over startKubeSim.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startKubeSim, type KubeSimOptions } from './startKubeSim';

const USAGE = `usage: kube-sim [--port 6443] [--host 127.0.0.1] [--https] [--kubeconfig-out FILE] [--kubeconfig-for USER=FILE] [--cert-kubeconfig-for USER=FILE] [--fixtures DIR | --no-fixtures]
                [--state-file FILE] [--users FILE] [--provider-delay MS] [--watch-cache-size N] [--no-rbac] [--log-level debug|info|warn|error]`;

interface ExtraKubeconfig {
  user: string;
  file: string;
  /** Authenticate with a client certificate instead of the user's token. */
  clientCertificate: boolean;
}

export function parseArgs(
  argv: string[],
): KubeSimOptions & { kubeconfigsFor: ExtraKubeconfig[] } {
  const extraKubeconfigs: ExtraKubeconfig[] = [];
  const options: KubeSimOptions = { port: 6443, logLevel: 'info' };
  const value = (i: number, flag: string) => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--'))
      throw new Error(`${flag} needs a value\n${USAGE}`);
    return v;
  };
  const number = (i: number, flag: string) => {
    const n = Number(value(i, flag));
    if (!Number.isInteger(n) || n < 0)
      throw new Error(`${flag} must be a whole number, got '${argv[i + 1]}'`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    switch (flag) {
      case '--port':
        options.port = number(i++, flag);
        break;
      case '--host':
        options.host = value(i++, flag);
        break;
      case '--kubeconfig-out':
        options.kubeconfigOut = value(i++, flag);
        break;
      case '--fixtures':
        options.fixtures = value(i++, flag);
        break;
      case '--no-fixtures':
        options.fixtures = false;
        break;
      case '--state-file':
        options.stateFile = value(i++, flag);
        break;
      case '--users':
        options.usersFile = value(i++, flag);
        break;
      case '--provider-delay':
        options.providerDelayMs = number(i++, flag);
        break;
      case '--watch-cache-size':
        options.watchCacheSize = number(i++, flag);
        break;
      case '--https':
        options.https = true;
        break;
      case '--no-rbac':
        options.rbac = false;
        break;
      case '--kubeconfig-for':
      case '--cert-kubeconfig-for': {
        // USER=FILE: also write a kubeconfig for one of the identities (e.g. the backend's).
        const [user, file] = value(i++, flag).split('=');
        if (!user || !file)
          throw new Error(`${flag} needs USER=FILE\n${USAGE}`);
        extraKubeconfigs.push({
          user,
          file,
          clientCertificate: flag === '--cert-kubeconfig-for',
        });
        break;
      }
      case '--log-level': {
        const level = value(i++, flag);
        if (!['debug', 'info', 'warn', 'error'].includes(level))
          throw new Error(`--log-level must be debug, info, warn or error`);
        options.logLevel = level as KubeSimOptions['logLevel'];
        break;
      }
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option '${flag}'\n${USAGE}`);
    }
  }
  if (extraKubeconfigs.some(k => k.clientCertificate) && !options.https)
    throw new Error(
      `--cert-kubeconfig-for needs --https: client certificates are verified in the TLS handshake`,
    );
  return { ...options, kubeconfigsFor: extraKubeconfigs };
}

export async function runCli(argv: string[]): Promise<void> {
  const { kubeconfigsFor, ...options } = parseArgs(argv);
  const started = Date.now();
  const sim = await startKubeSim(options);
  for (const { user, file, clientCertificate } of kubeconfigsFor) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // It may hold a private key: readable by its owner only.
    fs.writeFileSync(file, sim.kubeconfigFor(user, { clientCertificate }), {
      mode: 0o600,
    });
  }
  process.stdout.write(
    `kube-sim ready at ${sim.url} (kubeconfig ${sim.kubeconfigPath}) in ${
      Date.now() - started
    } ms\n`,
  );
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(
      `${JSON.stringify({
        time: new Date().toISOString(),
        level: 'info',
        msg: 'stopping',
        signal,
      })}\n`,
    );
    await sim.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
