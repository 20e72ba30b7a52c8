/*
 * Starts workerProcess.ts as a process of its own (for tests that kill or scrape it) and
 * resolves once it printed that it is ready.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export function spawnWorkerProcess(
  configFile: string,
  options: { nodeOptions?: string } = {},
): Promise<ChildProcess> {
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
      if (String(chunk).includes('worker ready')) resolve(child);
    });
    child.on('exit', code =>
      reject(new Error(`worker exited with ${code} before it was ready`)),
    );
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
