/**
 * A Temporal-API-compatible server for local development and tests. Work in progress: see the
 * package README for what it implements.
 *
 * @packageDocumentation
 */
export { startTemporalDevServer } from './startTemporalDevServer';
export type {
  TemporalDevServer,
  TemporalDevServerOptions,
} from './startTemporalDevServer';
export type { LogLevel, LogSink } from './logger';
