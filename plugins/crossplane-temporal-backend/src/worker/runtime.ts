/*
 * The Temporal SDK's process-wide runtime: its logs go to Backstage's logger, and its metrics to
 * a Prometheus endpoint when configured. The runtime can be installed once per process. And the
 * heap tuning of processes that run nothing but a worker.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import { Runtime, type LogLevel, type LogMetadata } from '@temporalio/worker';
import { setFlagsFromString } from 'node:v8';

let installedWith:
  | { prometheusBindAddress: string; sdkLogLevel: LogLevel }
  | undefined;

export function installTemporalRuntime(options: {
  logger: LoggerService;
  prometheusBindAddress?: string;
  /** The SDK core's own logs at this level and above (`readTemporalSettings` defaults it). */
  sdkLogLevel: LogLevel;
}): void {
  const settings = {
    prometheusBindAddress: options.prometheusBindAddress ?? 'off',
    sdkLogLevel: options.sdkLogLevel,
  };
  if (installedWith) {
    if (JSON.stringify(installedWith) !== JSON.stringify(settings)) {
      options.logger.warn(
        'the Temporal runtime is already installed; its metrics and log settings stay as they were',
        installedWith,
      );
    }
    return;
  }
  const { logger } = options;
  const forward = (level: LogLevel, message: string, meta?: LogMetadata) => {
    const fields = { ...(meta as Record<string, any> | undefined) };
    if (level === 'ERROR') logger.error(message, fields);
    else if (level === 'WARN') logger.warn(message, fields);
    else if (level === 'INFO') logger.info(message, fields);
    else logger.debug(message, fields);
  };
  Runtime.install({
    // The host owns process signals: Backstage's lifecycle (or the standalone worker's) stops the
    // watchers and then the worker in order. The SDK's default would also shut the worker down on
    // SIGUSR2, which heap-snapshot and profiling tools send, and leave the process running idle.
    shutdownSignals: [],
    logger: {
      log: forward,
      trace: (m, meta) => forward('TRACE', m, meta),
      debug: (m, meta) => forward('DEBUG', m, meta),
      info: (m, meta) => forward('INFO', m, meta),
      warn: (m, meta) => forward('WARN', m, meta),
      error: (m, meta) => forward('ERROR', m, meta),
    },
    telemetryOptions: {
      // The SDK core's own logs (connections, failed workflow tasks, nondeterminism) through the
      // same logger, structured, rather than printed to stderr in a format of their own.
      logging: {
        forward: {},
        filter: { core: settings.sdkLogLevel, other: 'ERROR' },
      },
      ...(options.prometheusBindAddress
        ? {
            metrics: {
              prometheus: { bindAddress: options.prometheusBindAddress },
            },
          }
        : {}),
    },
  });
  installedWith = settings;
}

/**
 * For a process that runs only the worker (packages/worker, tests' worker processes): after each
 * full collection, V8 may let a heap grow to four times what is live when the process allocates
 * fast, and a worker in a burst does (workflow activations are short-lived garbage). Growing by
 * half of what is live instead took a worker's peak RSS in a burst of 1,000 provisions from 786
 * to 426 MB at the same speed (docs/benchmarks/resource-workflows.md). V8 reads the flag at
 * every collection, so it works when set at start. Not for the embedded worker: its process is
 * the whole Backstage backend, whose tuning is the operator's.
 *
 * @public
 */
export function limitWorkerHeapGrowth(percent = 50): void {
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
