/*
 * This deployment's backend (src/index.ts) in a process of its own, started as the local stack
 * starts it (NODE_ENV=development, the TypeScript sources through Backstage's node transform,
 * `--config` files, the working directory that relative paths in app-config are read from), so
 * that a test can kill it with SIGKILL and start it again on the same database.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { waitFor } from './waitFor';

const backendDir = path.resolve(__dirname, '../..');

/** How much of its log a failure shows. */
const LOG_TAIL_CHARS = 4000;
/** Tries on ports taken by someone else between being chosen and being listened on. */
const PORT_TRIES = 3;

export interface BackendProcess {
  /** e.g. http://127.0.0.1:PORT */
  url: string;
  child: ChildProcess;
  /** The end of its log (stdout and stderr), for failure messages. */
  logTail(): string;
  /** Sends `signal` and resolves once the process is gone. */
  stop(signal: NodeJS.Signals): Promise<void>;
}

/** A port on 127.0.0.1 that the system just handed out and was given back. */
async function unusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise(resolve => server.close(resolve));
  return port;
}

function spawnBackend(configFiles: string[], logFile: string): ChildProcess {
  const log = fs.openSync(logFile, 'a');
  // What the test runner sets is not the deployment's environment.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('JEST')),
  );
  try {
    return spawn(
      process.execPath,
      [
        '--enable-source-maps',
        '--require',
        require.resolve('@backstage/cli/config/nodeTransform.cjs'),
        '--require',
        require.resolve('./exitWithParent'),
        path.join(backendDir, 'src/index.ts'),
        ...configFiles.flatMap(file => ['--config', file]),
      ],
      {
        cwd: backendDir,
        env: { ...env, NODE_ENV: 'development' },
        stdio: ['ignore', log, log],
      },
    );
  } finally {
    fs.closeSync(log);
  }
}

const hasExited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null;

/**
 * Starts the backend on a free port and resolves once it reports ready at
 * `/.backstage/health/v1/readiness`, i.e. every plugin has started.
 *
 * @param options.configFiles - its app-config files for a port (later files override earlier
 *   ones); they must put `backend.listen.port` and `backend.baseUrl` on that port
 * @param options.logFile - where its output goes (appended)
 * @param options.readyTimeoutMs - default 180 s, for a busy 2-core machine compiling the
 *   sources as it loads them
 */
export async function startBackendProcess(options: {
  configFiles: (port: number) => string[];
  logFile: string;
  readyTimeoutMs?: number;
}): Promise<BackendProcess> {
  const { logFile } = options;
  for (let attempt = 1; ; attempt++) {
    const port = await unusedPort();
    const logStart = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
    const child = spawnBackend(options.configFiles(port), logFile);
    const exited = new Promise<void>(resolve => {
      if (hasExited(child)) resolve();
      else child.once('exit', () => resolve());
    });

    const ownLog = () =>
      fs.readFileSync(logFile).subarray(logStart).toString('utf8');
    const url = `http://127.0.0.1:${port}`;
    const backend: BackendProcess = {
      url,
      child,
      logTail: () => ownLog().slice(-LOG_TAIL_CHARS),
      async stop(signal) {
        if (!hasExited(child)) child.kill(signal);
        await exited;
      },
    };
    let state: 'ready' | 'exited';
    try {
      state = await waitFor<'ready' | 'exited'>(
        `the backend at ${url} to report ready`,
        async () => {
          if (hasExited(child)) return 'exited';
          const res = await fetch(
            `${url}/.backstage/health/v1/readiness`,
          ).catch(() => undefined);
          return res?.status === 200 ? 'ready' : undefined;
        },
        {
          timeoutMs: options.readyTimeoutMs ?? 180_000,
          lastSeen: () => `the end of its log:\n${backend.logTail()}`,
        },
      );
    } catch (error) {
      await backend.stop('SIGKILL');
      throw error;
    }
    if (state === 'ready') return backend;
    // Someone took the port between its choice and the backend's listen: another port.
    if (!ownLog().includes('EADDRINUSE') || attempt === PORT_TRIES) {
      throw new Error(
        `the backend exited (${
          child.signalCode ?? `code ${child.exitCode}`
        }) before it was ready; the end of its log:\n${backend.logTail()}`,
      );
    }
  }
}
