/*
 * Structured logs: one JSON object per line on stderr, filtered by level.
 */

/** @public */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type Log = (
  level: LogLevel | string,
  msg: string,
  fields?: Record<string, unknown>,
) => void;

const ORDER: Record<string, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function createLogger(level: LogLevel): Log {
  const threshold = ORDER[level] ?? 1;
  return (lvl, msg, fields) => {
    if ((ORDER[lvl] ?? 1) < threshold) return;
    process.stderr.write(
      `${JSON.stringify({
        time: new Date().toISOString(),
        level: lvl,
        msg,
        ...fields,
      })}\n`,
    );
  };
}
