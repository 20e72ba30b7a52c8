/*
 * Starts workerProcess.ts as a process of its own (for tests and benchmarks that kill, scrape or
 * measure it) and resolves once it printed that it is ready.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeResourceWorkflowBundle } from '../worker/workflowBundle';

/**
 * @param appConfig - the worker's app-config (what `crossplaneTemporal` it reads); written to a
 *   temporary file that goes away once the worker has read it
 */
export function spawnWorkerProcess(
  appConfig: object,
  options: { nodeOptions?: string } = {},
): Promise<ChildProcess> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'worker-config-'));
  const configFile = path.join(dir, 'app-config.json');
  fs.writeFileSync(configFile, JSON.stringify(appConfig));
  const removeConfig = () => fs.rmSync(dir, { recursive: true, force: true });
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '-r',
        require.resolve('@backstage/cli/config/nodeTransform.cjs'),
        require.resolve('./workerProcess'),
        configFile,
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: options.nodeOptions
          ? { ...process.env, NODE_OPTIONS: options.nodeOptions }
          : process.env,
      },
    );
    child.stdout!.on('data', chunk => {
      if (String(chunk).includes('worker ready')) {
        removeConfig();
        resolve(child);
      }
    });
    child.on('exit', code => {
      removeConfig();
      reject(new Error(`worker exited with ${code} before it was ready`));
    });
  });
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
