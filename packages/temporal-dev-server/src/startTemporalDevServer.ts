/*
 * Starts the dev server: a gRPC server for Temporal's WorkflowService on one port, its state in
 * memory or, with `dbFilename`, in SQLite, so that runs, timers and activities survive a restart.
 */
import * as grpc from '@grpc/grpc-js';
import {
  serviceDefinition,
  serviceImplementation,
  serviceMethods,
} from './grpc/serviceDefinition';
import { createLogger, type LogLevel } from './logger';
import { isRunning } from './state';
import { SqliteStore } from './store/SqliteStore';
import { WorkflowEngine } from './WorkflowEngine';
import { WorkflowExecutions } from './WorkflowExecutions';
import { workflowServiceHandlers } from './workflowServiceHandlers';

export interface TemporalDevServerOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  ip?: string;
  /** Registered at start. Default: `default`. */
  namespace?: string;
  /** More namespaces to register at start. */
  namespaces?: string[];
  /** Keep state in this SQLite file; without it, state is in memory. */
  dbFilename?: string;
  logLevel?: LogLevel;
  logFormat?: 'json' | 'pretty';
}

export interface TemporalDevServer {
  /** host:port for the Temporal SDK's `address`. */
  address: string;
  /** Runs loaded from the database at start. */
  restoredRuns: number;
  stop(): Promise<void>;
}

export async function startTemporalDevServer(
  options: TemporalDevServerOptions = {},
): Promise<TemporalDevServer> {
  const ip = options.ip ?? '127.0.0.1';
  const logger = createLogger(options.logLevel ?? 'warn', options.logFormat);
  const methods = serviceMethods(
    'temporal.api.workflowservice.v1.WorkflowService',
  );
  const store = options.dbFilename
    ? new SqliteStore(options.dbFilename)
    : undefined;
  const namespaces = new Set([
    options.namespace ?? 'default',
    ...(options.namespaces ?? []),
    ...(store?.namespaces() ?? []),
  ]);
  for (const name of namespaces) store?.addNamespace(name);

  const executions = new WorkflowExecutions();
  const engine = new WorkflowEngine(executions);
  const restored = store?.load() ?? [];
  for (const run of restored) executions.restore(run);
  if (store) executions.onChange = run => store.save(run);
  for (const run of restored) if (isRunning(run)) engine.resume(run);
  if (store)
    logger.info('state loaded', {
      dbFilename: options.dbFilename,
      runs: restored.length,
      running: restored.filter(isRunning).length,
    });

  const server = new grpc.Server();
  server.addService(
    serviceDefinition(methods),
    serviceImplementation(
      methods,
      workflowServiceHandlers({
        namespaces,
        executions,
        engine,
        onNamespaceRegistered: name => store?.addNamespace(name),
      }),
      (msg, fields) => logger.error(msg, fields),
      () => store?.flush(),
    ),
  );
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(
      `${ip}:${options.port ?? 0}`,
      grpc.ServerCredentials.createInsecure(),
      (error, bound) => (error ? reject(error) : resolve(bound)),
    );
  });
  return {
    address: `${ip}:${port}`,
    restoredRuns: restored.length,
    async stop() {
      // Waiting polls answer at once, so that workers and the gRPC server can finish.
      engine.stop();
      await new Promise<void>(resolve => server.tryShutdown(() => resolve()));
      server.forceShutdown();
      store?.close();
    },
  };
}
