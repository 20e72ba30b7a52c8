/*
 * The parts of the local stack that `npm start` runs, in start order, each with the URL that says
 * it is ready. Later parts may depend on earlier ones being ready.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../..',
);

/** Where the local stack keeps its state between runs (ignored by git). */
export const localDir = path.join(repoRoot, '.local');

/**
 * The app-config files of the local stack: the defaults, the development-only file (demo sign-in,
 * the backend on 127.0.0.1) and, when there is one, the developer's own app-config.local.yaml.
 */
export function localConfigArgs() {
  return [
    'app-config.yaml',
    'app-config.development.yaml',
    'app-config.local.yaml',
  ]
    .map(file => path.join(repoRoot, file))
    .filter(file => fs.existsSync(file))
    .flatMap(file => ['--config', file]);
}

export function stackServices() {
  return [
    {
      name: 'kube-sim',
      port: 6443,
      command: 'node',
      args: [
        'packages/kube-sim/bin/kube-sim',
        '--port',
        '6443',
        // kubectl sends tokens only over TLS; the kubeconfigs carry the generated CA.
        '--https',
        '--kubeconfig-out',
        path.join(localDir, 'kube-sim', 'kubeconfig'),
        '--state-file',
        path.join(localDir, 'kube-sim', 'state.json'),
        // The backend's own identity: a service account that impersonates the users.
        '--kubeconfig-for',
        `system:serviceaccount:crossplane-system:backstage=${path.join(
          localDir,
          'kube-sim',
          'backstage.kubeconfig',
        )}`,
      ],
      // Written once the fixtures are in place (and the server answers).
      readyFile: path.join(localDir, 'kube-sim', 'backstage.kubeconfig'),
      readyTimeoutMs: 30_000,
      // The backend reads the cluster as soon as it starts.
      readyBeforeNext: true,
      describe: `Cluster (kube-sim) https://127.0.0.1:6443  KUBECONFIG=${path.relative(
        process.cwd(),
        path.join(localDir, 'kube-sim', 'kubeconfig'),
      )}`,
    },
    {
      name: 'temporal',
      port: 7233,
      command: 'node',
      args: [
        'packages/temporal-dev-server/bin/temporal-dev-server',
        '--port',
        '7233',
        // Workflows survive a restart of the stack.
        '--db-filename',
        path.join(localDir, 'temporal', 'dev.db'),
      ],
      // gRPC, not HTTP: ready when the port accepts connections.
      readyTcp: 7233,
      readyTimeoutMs: 30_000,
      readyBeforeNext: true,
      describe: 'Temporal (dev server) 127.0.0.1:7233',
    },
    {
      name: 'backend',
      port: 7007,
      command: 'yarn',
      args: ['workspace', 'backend', 'start', ...localConfigArgs()],
      readyUrl: 'http://localhost:7007/.backstage/health/v1/readiness',
      // The backend is only ready once its plugins started; the first start builds SQLite files.
      readyTimeoutMs: 180_000,
      describe:
        'Backstage backend  http://localhost:7007 (metrics http://127.0.0.1:9464/metrics)',
    },
    {
      name: 'app',
      port: 3000,
      command: 'yarn',
      args: ['workspace', 'app', 'start', ...localConfigArgs()],
      readyUrl: 'http://localhost:3000',
      // The first bundle of the frontend takes a while on a small machine.
      readyTimeoutMs: 300_000,
      describe: 'Backstage app      http://localhost:3000',
      env: { BROWSER: 'none' },
    },
  ];
}
