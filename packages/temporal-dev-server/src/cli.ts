/*
 * The command lines over startTemporalDevServer (bin/temporal-dev-server, bin/temporal and
 * bin/temporal-test-server run them); what their flags mean is in commandLine.ts.
 */
import {
  EAGER_ACTIVITIES_KEY,
  parseCommandLine,
  UsageError,
} from './commandLine';
import { createLogger } from './logger';
import { startTemporalDevServer } from './startTemporalDevServer';

export { UsageError };

/** SIGINT and SIGTERM stop the server (its waiting polls answer, its database closes), then exit. */
function stopOnSignals(server: { stop(): Promise<void> }) {
  const stop = async () => {
    await server.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

/**
 * `temporal server start-dev [flags]` or `temporal-dev-server [flags]`: starts the server and
 * prints one line once it answers.
 *
 * @public
 */
export async function runCli(argv: string[]): Promise<void> {
  const options = parseCommandLine(argv);
  const logger = createLogger(options.logLevel ?? 'info', options.logFormat);
  for (const [key, value] of Object.entries(options.dynamicConfig))
    logger.info('dynamic config value', {
      key,
      value,
      applied: key === EAGER_ACTIVITIES_KEY,
    });
  const server = await startTemporalDevServer(options);
  // Before the ready line: whoever waits for it may stop the server as soon as it reads it.
  stopOnSignals(server);
  // Since the process started (performance's time origin), as whoever spawned it waits.
  process.stdout.write(
    `temporal-dev-server ready at ${server.address} in ${Math.round(
      performance.now(),
    )} ms (${
      options.dbFilename
        ? `state in ${options.dbFilename}, ${server.restoredRuns} runs restored`
        : 'state in memory'
    })\n`,
  );
}

/**
 * `temporal-test-server PORT [...]`: the time-skipping test server's command line.
 *
 * @public
 */
export async function runTestServerCli(argv: string[]): Promise<void> {
  const port = Number(argv[0]);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(
      `usage: temporal-test-server PORT (got '${argv[0] ?? ''}')`,
    );
  const server = await startTemporalDevServer({
    port,
    timeSkipping: true,
    logLevel: 'warn',
  });
  stopOnSignals(server);
  process.stdout.write(
    `temporal-test-server ready at ${server.address} (time skipping)\n`,
  );
}
