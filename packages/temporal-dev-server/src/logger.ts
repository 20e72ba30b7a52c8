/*
 * Structured logs on stderr: JSON lines, or one readable line per entry ("pretty").
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const ORDER: Record<LogLevel, number> = {
  debug: 0,
  info: 1,
  warn: 2,
  error: 3,
};

export interface Logger {
  debug(msg: string, fields?: object): void;
  info(msg: string, fields?: object): void;
  warn(msg: string, fields?: object): void;
  error(msg: string, fields?: object): void;
}

export function createLogger(
  level: LogLevel,
  format: 'json' | 'pretty' = 'json',
): Logger {
  const write =
    (at: LogLevel) =>
    (msg: string, fields: object = {}) => {
      if (ORDER[at] < ORDER[level]) return;
      const time = new Date().toISOString();
      const line =
        format === 'pretty'
          ? `${time} ${at.toUpperCase()} ${msg} ${Object.entries(fields)
              .map(
                ([k, v]) =>
                  `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`,
              )
              .join(' ')}`
          : JSON.stringify({ time, level: at, msg, ...fields });
      process.stderr.write(`${line.trimEnd()}\n`);
    };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
  };
}
