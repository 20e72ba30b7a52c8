/*
 * A logger for tests that keeps every line, its children's included with the fields they were
 * made with, so that a test can wait for a line the code under test logs.
 */
import {
  coreServices,
  createServiceFactory,
  type LoggerService,
  type ServiceFactory,
} from '@backstage/backend-plugin-api';
import { notifiedWaits } from './notifiedWaits';

export interface LogLine {
  level: 'error' | 'warn' | 'info' | 'debug';
  message: string;
  /** The child loggers' fields and the line's own. */
  fields: Record<string, unknown>;
}

export interface RecordingLogger extends LoggerService {
  readonly lines: LogLine[];
  /**
   * Resolves with the first line, logged already or later, that matches; fails after `timeoutMs`
   * (default 30 s), with the last lines logged.
   */
  logged(
    match: (line: LogLine) => boolean,
    timeoutMs?: number,
  ): Promise<LogLine>;
  /** Gives it to the plugins of a test backend as their logger. */
  factory: ServiceFactory<LoggerService, 'plugin'>;
}

export function recordingLogger(): RecordingLogger {
  const lines: LogLine[] = [];
  const waits = notifiedWaits();

  const loggerWith = (fields: Record<string, unknown>): LoggerService => {
    const at =
      (level: LogLine['level']) => (message: string, meta?: unknown) => {
        lines.push({
          level,
          message,
          fields: { ...fields, ...(meta as object) },
        });
        waits.notify();
      };
    return {
      error: at('error'),
      warn: at('warn'),
      info: at('info'),
      debug: at('debug'),
      child: meta => loggerWith({ ...fields, ...meta }),
    };
  };

  const logger = loggerWith({});
  return {
    ...logger,
    lines,
    factory: createServiceFactory({
      service: coreServices.logger,
      deps: {},
      factory: () => logger,
    }),
    logged(match, timeoutMs) {
      return waits.until(
        () =>
          `a line the test expects; the last ones logged: ${JSON.stringify(
            lines.slice(-5).map(l => `${l.level} ${l.message}`),
          )}`,
        () => lines.find(match),
        timeoutMs,
      );
    },
  };
}
