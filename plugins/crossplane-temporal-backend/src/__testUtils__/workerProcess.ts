/*
 * A resource worker in a process of its own, so crash tests can kill it with SIGKILL. Reads its
 * app-config (as JSON) from the file named by its first argument; prints one line when ready.
 * With WORKER_STANDBY set, it loads its code, says so, and starts the worker only once a line
 * comes on stdin: a replacement that is ready at once, whatever loading costs on the machine.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { limitWorkerHeapGrowth } from '../worker/runtime';
import { startResourceWorker } from '../worker/startResourceWorker';

const LEVELS = ['error', 'warn', 'info', 'debug'] as const;
/** How much the worker says; errors only unless WORKER_LOG_LEVEL asks for more (debugging). */
const logLevel = Math.max(
  0,
  LEVELS.indexOf(process.env.WORKER_LOG_LEVEL as (typeof LEVELS)[number]),
);

/** JSON lines on stderr: by default enough to see why a worker died. */
function stderrLogger(fields: Record<string, unknown> = {}): LoggerService {
  const at =
    (level: (typeof LEVELS)[number]) => (message: string, meta?: unknown) => {
      if (LEVELS.indexOf(level) > logLevel) return;
      process.stderr.write(
        `${JSON.stringify({
          level,
          message,
          ...fields,
          ...(meta as object),
        })}\n`,
      );
    };
  return {
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    child: meta => stderrLogger({ ...fields, ...meta }),
  };
}

async function main() {
  // As packages/worker does: the process runs nothing but the worker.
  limitWorkerHeapGrowth();
  const config = new ConfigReader(
    JSON.parse(readFileSync(process.argv[2], 'utf8')),
  );
  if (process.env.WORKER_STANDBY) {
    process.stdout.write('worker loaded\n');
    await once(process.stdin, 'data');
    process.stdin.pause();
  }
  const worker = await startResourceWorker({ config, logger: stderrLogger() });
  process.stdout.write('worker ready\n');
  // Graceful shutdown, as a deployment stops it: watchers, then the worker, then exit.
  const stop = () =>
    worker.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch(error => {
  process.stderr.write(`worker failed to start: ${error?.stack ?? error}\n`);
  process.exit(1);
});
