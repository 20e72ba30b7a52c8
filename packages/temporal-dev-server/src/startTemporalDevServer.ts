/*
 * Starts the dev server: a gRPC server for Temporal's WorkflowService on one port.
 */
import * as grpc from '@grpc/grpc-js';
import {
  serviceDefinition,
  serviceImplementation,
  serviceMethods,
} from './grpc/serviceDefinition';
import { WorkflowEngine } from './WorkflowEngine';
import { WorkflowExecutions } from './WorkflowExecutions';
import { workflowServiceHandlers } from './workflowServiceHandlers';

export interface TemporalDevServerOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  ip?: string;
  /** Registered at start. Default: `default`. */
  namespace?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

export interface TemporalDevServer {
  /** host:port for the Temporal SDK's `address`. */
  address: string;
  stop(): Promise<void>;
}

export async function startTemporalDevServer(
  options: TemporalDevServerOptions = {},
): Promise<TemporalDevServer> {
  const ip = options.ip ?? '127.0.0.1';
  const quiet = (options.logLevel ?? 'warn') === 'error';
  const log = (msg: string, fields: object) => {
    if (!quiet)
      process.stderr.write(
        `${JSON.stringify({
          time: new Date().toISOString(),
          level: 'error',
          msg,
          ...fields,
        })}\n`,
      );
  };
  const methods = serviceMethods(
    'temporal.api.workflowservice.v1.WorkflowService',
  );
  const executions = new WorkflowExecutions();
  const engine = new WorkflowEngine(executions);
  const server = new grpc.Server();
  server.addService(
    serviceDefinition(methods),
    serviceImplementation(
      methods,
      workflowServiceHandlers({
        namespaces: new Set([options.namespace ?? 'default']),
        executions,
        engine,
      }),
      log,
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
    async stop() {
      // Waiting polls answer at once, so that workers and the gRPC server can finish.
      engine.stop();
      await new Promise<void>(resolve => server.tryShutdown(() => resolve()));
      server.forceShutdown();
    },
  };
}
