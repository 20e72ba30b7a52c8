/*
 * Structured logs on stderr (or a sink of the embedder's): JSON lines, or one readable line per
 * entry ("pretty"). A line below the logger's level costs one comparison; callers on a hot path
 * ask `enabled` before they build its fields.
 */

/** @public */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const ORDER: Record<LogLevel, number> = {
  debug: 0,
  info: 1,
  warn: 2,
  error: 3,
};

export interface Logger {
  /** Whether a line at `level` is written. */
  enabled(level: LogLevel): boolean;
  debug(msg: string, fields?: object): void;
  info(msg: string, fields?: object): void;
  warn(msg: string, fields?: object): void;
  error(msg: string, fields?: object): void;
}

/**
 * Where log lines go, each ending with a newline.
 *
 * @public
 */
export type LogSink = (line: string) => void;

const toStderr: LogSink = line => process.stderr.write(line);

function pretty(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function createLogger(
  level: LogLevel,
  format: 'json' | 'pretty' = 'json',
  sink: LogSink = toStderr,
): Logger {
  const threshold = ORDER[level];
  const write =
    (at: LogLevel) =>
    (msg: string, fields: object = {}) => {
      if (ORDER[at] < threshold) return;
      const time = new Date().toISOString();
      const line =
        format === 'pretty'
          ? [
              time,
              at.toUpperCase(),
              msg,
              ...Object.entries(fields)
                .filter(([, v]) => v !== undefined)
                .map(([k, v]) => `${k}=${pretty(v)}`),
            ].join(' ')
          : JSON.stringify({ time, level: at, msg, ...fields });
      sink(`${line}\n`);
    };
  return {
    enabled: at => ORDER[at] >= threshold,
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
  };
}
