/*
 * Starts workerProcess.ts as a process of its own (for tests and benchmarks that kill, scrape or
 * measure it) and resolves once it printed that it is ready; or, as a standby, once it has loaded
 * its code, to start its worker later at once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeResourceWorkflowBundle } from '../worker/workflowBundle';

/** Resolves once the process printed `line`; rejects if it exits first. */
function printed(child: ChildProcess, line: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    let output = '';
    const listeners = {
      data(chunk: Buffer) {
        output += String(chunk);
        if (!output.includes(line)) return;
        child.stdout!.off('data', listeners.data);
        child.off('exit', listeners.exit);
        resolve(child);
      },
      exit(code: number | null) {
        reject(new Error(`worker exited with ${code} before '${line}'`));
      },
    };
    child.stdout!.on('data', listeners.data);
    child.once('exit', listeners.exit);
  });
}

/**
 * @param appConfig - the worker's app-config (what `crossplaneTemporal` it reads); written to a
 *   temporary file that goes away once the worker has read it
 * @param options.standby - resolve once the process has loaded its code, without starting the
 *   worker: `startStandbyWorker` starts it
 */
export async function spawnWorkerProcess(
  appConfig: object,
  options: { nodeOptions?: string; standby?: boolean } = {},
): Promise<ChildProcess> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'worker-config-'));
  const configFile = path.join(dir, 'app-config.json');
  fs.writeFileSync(configFile, JSON.stringify(appConfig));
  const env = { ...process.env };
  if (options.nodeOptions) env.NODE_OPTIONS = options.nodeOptions;
  if (options.standby) env.WORKER_STANDBY = '1';
  const child = spawn(
    process.execPath,
    [
      '-r',
      require.resolve('@backstage/cli/config/nodeTransform.cjs'),
      require.resolve('./workerProcess'),
      configFile,
    ],
    { stdio: [options.standby ? 'pipe' : 'ignore', 'pipe', 'inherit'], env },
  );
  try {
    // Both lines come after it read its config.
    return await printed(
      child,
      options.standby ? 'worker loaded' : 'worker ready',
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Starts the worker of a standby process; resolves once it is ready. */
export function startStandbyWorker(child: ChildProcess): Promise<ChildProcess> {
  const ready = printed(child, 'worker ready');
  child.stdin!.end('start\n');
  return ready;
}

/** Sends `signal` and waits until the process is gone. */
export async function stopWorkerProcess(
  child: ChildProcess,
  signal: NodeJS.Signals,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise(resolve => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

/** Bundles the workflows into `file`, as production workers load them (`workflowBundlePath`). */
export async function writeWorkflowBundle(file: string): Promise<string> {
  await writeResourceWorkflowBundle(file);
  return file;
}
