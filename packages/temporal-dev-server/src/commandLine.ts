/*
 * What the command lines mean: `temporal server start-dev` takes the Temporal CLI's flags, so
 * tools that spawn the Temporal CLI (such as @temporalio/testing with an `existing-path`
 * executable) can spawn this server instead; `temporal-dev-server` takes the same flags without
 * the subcommand.
 */
import type { LogLevel } from './logger';
import type { TemporalDevServerOptions } from './startTemporalDevServer';

const USAGE = `usage: temporal server start-dev [flags]
  --port P                      gRPC port (default 7233)
  --ip IP                       address to listen on (default 127.0.0.1)
  --namespace, -n N             namespace to register (repeatable; default "default")
  --db-filename, -f FILE        keep state in this SQLite file (default: in memory)
  --log-format json|pretty      (default json)
  --log-level debug|info|warn|error   (default info)
  --search-attribute NAME=TYPE  register a custom search attribute (repeatable)
  --dynamic-config-value K=V    system.enableActivityEagerExecution=true|false is honoured
                                (default true); other keys are recorded in the log
  --headless, --ui-port P       accepted for compatibility: this server has no web UI`;

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'];
const SEARCH_ATTRIBUTE_TYPES = [
  'Keyword',
  'Text',
  'Int',
  'Double',
  'Bool',
  'Datetime',
  'KeywordList',
];

export interface CliOptions extends TemporalDevServerOptions {
  namespaces: string[];
  searchAttributes: Record<string, string>;
  dynamicConfig: Record<string, string>;
}

/**
 * A command line the server cannot run: its message says what is wrong.
 *
 * @public
 */
export class UsageError extends Error {}

/** The one dynamic config key this server acts on. */
export const EAGER_ACTIVITIES_KEY = 'system.enableActivityEagerExecution';

function keyValue(flag: string, value: string): [string, string] {
  const at = value.indexOf('=');
  if (at <= 0) throw new UsageError(`${flag} takes KEY=VALUE, got '${value}'`);
  return [value.slice(0, at), value.slice(at + 1)];
}

function parseArgs(argv: string[]): CliOptions {
  const options: CliOptions = {
    port: 7233,
    logLevel: 'info',
    logFormat: 'json',
    namespaces: [],
    searchAttributes: {},
    dynamicConfig: {},
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--help' || flag === '-h') throw new UsageError(USAGE);
    if (flag === '--headless') continue;
    const value = argv[i + 1];
    if (value === undefined)
      throw new UsageError(`${flag} needs a value\n${USAGE}`);
    i++;
    switch (flag) {
      case '--port':
      case '-p':
      case '--ui-port': {
        const port = Number(value);
        if (!Number.isInteger(port) || port < 0 || port > 65535)
          throw new UsageError(`${flag} must be a port number, got '${value}'`);
        if (flag !== '--ui-port') options.port = port;
        break;
      }
      case '--ip':
        options.ip = value;
        break;
      case '--namespace':
      case '-n':
        options.namespaces.push(value);
        break;
      case '--db-filename':
      case '-f':
        options.dbFilename = value;
        break;
      case '--log-format':
        if (value !== 'json' && value !== 'pretty')
          throw new UsageError(
            `--log-format must be json or pretty, got '${value}'`,
          );
        options.logFormat = value;
        break;
      case '--log-level':
        if (!LOG_LEVELS.includes(value))
          throw new UsageError(
            `--log-level must be one of ${LOG_LEVELS.join(
              ', ',
            )}, got '${value}'`,
          );
        options.logLevel = value as LogLevel;
        break;
      case '--search-attribute': {
        const [name, type] = keyValue(flag, value);
        if (!SEARCH_ATTRIBUTE_TYPES.includes(type))
          throw new UsageError(
            `--search-attribute ${name}: type must be one of ${SEARCH_ATTRIBUTE_TYPES.join(
              ', ',
            )}, got '${type}'`,
          );
        options.searchAttributes[name] = type;
        break;
      }
      case '--dynamic-config-value': {
        const [key, dynamicValue] = keyValue(flag, value);
        options.dynamicConfig[key] = dynamicValue;
        if (key === EAGER_ACTIVITIES_KEY) {
          if (dynamicValue !== 'true' && dynamicValue !== 'false')
            throw new UsageError(
              `${EAGER_ACTIVITIES_KEY} takes true or false, not '${dynamicValue}'`,
            );
          options.eagerActivities = dynamicValue === 'true';
        }
        break;
      }
      default:
        throw new UsageError(`unknown flag '${flag}'\n${USAGE}`);
    }
  }
  options.namespace = options.namespaces[0] ?? 'default';
  return options;
}

/** `temporal server start-dev ...` (the Temporal CLI's form) or the bare flags. */
export function parseCommandLine(argv: string[]): CliOptions {
  if (argv[0] === 'server') {
    if (argv[1] !== 'start-dev')
      throw new UsageError(
        `only 'temporal server start-dev' is provided by this dev server\n${USAGE}`,
      );
    return parseArgs(argv.slice(2));
  }
  return parseArgs(argv);
}
