/*
 * The command line over startTemporalDevServer.
 */
import {
  startTemporalDevServer,
  type TemporalDevServerOptions,
} from './startTemporalDevServer';

const USAGE =
  'usage: temporal-dev-server [--port 7233] [--ip 127.0.0.1] [--namespace default]';

export function parseArgs(argv: string[]): TemporalDevServerOptions {
  const options: TemporalDevServerOptions = { port: 7233, logLevel: 'info' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--help' || flag === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    if (!['--port', '--ip', '--namespace'].includes(flag))
      throw new Error(`unknown option '${flag}'\n${USAGE}`);
    if (value === undefined || value.startsWith('--'))
      throw new Error(`${flag} needs a value\n${USAGE}`);
    i++;
    if (flag === '--port') {
      const port = Number(value);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new Error(`--port must be a port number, got '${value}'`);
      options.port = port;
    } else if (flag === '--ip') options.ip = value;
    else options.namespace = value;
  }
  return options;
}

export async function runCli(argv: string[]): Promise<void> {
  const started = Date.now();
  const server = await startTemporalDevServer(parseArgs(argv));
  process.stdout.write(
    `temporal-dev-server ready at ${server.address} in ${
      Date.now() - started
    } ms (state in memory)\n`,
  );
  const stop = async () => {
    await server.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}
