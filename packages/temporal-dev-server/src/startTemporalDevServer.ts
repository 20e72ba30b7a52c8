/*
 * Starts the dev server: a gRPC server for Temporal's WorkflowService on one port, its state in
 * memory or, with `dbFilename`, in SQLite, so that runs, timers and activities survive a restart.
 */
import * as grpc from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import {
  serviceDefinition,
  serviceImplementation,
  serviceMethods,
} from './grpc/serviceDefinition';
import { createLogger, type LogLevel } from './logger';
import { Namespaces } from './Namespaces';
import { operatorServiceHandlers } from './operatorServiceHandlers';
import { SkippingClock, systemClock } from './clock';
import { isRunning } from './state';
import { TimeSkipping } from './testService/TimeSkipping';
import { INDEXED_VALUE_TYPES, Visibility } from './visibility/Visibility';
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
  /** Custom search attributes to register in every namespace at start: name → type (Keyword, Int, ...). */
  searchAttributes?: Record<string, string>;
  logLevel?: LogLevel;
  logFormat?: 'json' | 'pretty';
  /**
   * Serve Temporal's TestService and skip time while nothing runs, as the time-skipping test
   * server does (for TestWorkflowEnvironment.createTimeSkipping).
   */
  timeSkipping?: boolean;
  /**
   * Hand an activity the worker asks to run eagerly (on the workflow's own task queue) straight
   * back in the answer to its workflow task, skipping a poll, as Temporal does with
   * `system.enableActivityEagerExecution`. Default true.
   */
  eagerActivities?: boolean;
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
  const namespaces = new Namespaces();
  for (const kept of store?.namespaces() ?? []) namespaces.add(kept);
  if (store) namespaces.onAdded = info => store.addNamespace(info);
  for (const name of [
    options.namespace ?? 'default',
    ...(options.namespaces ?? []),
  ])
    namespaces.add(name);

  const visibility = new Visibility();
  for (const [namespace, attributes] of store?.searchAttributes() ?? [])
    visibility.register(namespace, attributes);
  const fromOptions = Object.fromEntries(
    Object.entries(options.searchAttributes ?? {}).map(([name, type]) => [
      name,
      INDEXED_VALUE_TYPES[type],
    ]),
  );
  if (store)
    visibility.onChange = (ns, attrs) => store.putSearchAttributes(ns, attrs);
  if (Object.keys(fromOptions).length)
    for (const namespace of namespaces.names())
      visibility.register(namespace, fromOptions);

  const clock = options.timeSkipping ? new SkippingClock() : systemClock;
  const executions = new WorkflowExecutions(clock);
  const engine = new WorkflowEngine(executions, visibility, clock, {
    eagerActivities: options.eagerActivities ?? true,
  });
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

  // No channelz: nothing here serves it, and its per-call bookkeeping costs every request.
  const server = new grpc.Server({ 'grpc.enable_channelz': 0 });
  const services = [
    {
      methods,
      handlers: workflowServiceHandlers({
        namespaces,
        executions,
        engine,
        visibility,
        clusterId: randomUUID(),
      }),
    },
    {
      methods: serviceMethods(
        'temporal.api.operatorservice.v1.OperatorService',
      ),
      handlers: operatorServiceHandlers({ namespaces, visibility }),
    },
  ];
  const timeSkipping =
    clock instanceof SkippingClock
      ? new TimeSkipping(clock, engine.deadlines, () =>
          engine.hasOutstandingWork(),
        )
      : undefined;
  if (timeSkipping)
    services.push({
      methods: serviceMethods('temporal.api.testservice.v1.TestService'),
      handlers: timeSkipping.handlers(),
    });
  for (const service of services)
    server.addService(
      serviceDefinition(service.methods),
      serviceImplementation(
        service.methods,
        service.handlers,
        (msg, fields) => logger.error(msg, fields),
        () => {
          store?.flush();
          timeSkipping?.look();
        },
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
