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
  type AnyServiceHandlers,
  type RpcMethod,
} from './grpc/serviceDefinition';
import { createLogger, type LogLevel, type LogSink } from './logger';
import { Namespaces } from './Namespaces';
import { operatorServiceHandlers } from './operatorServiceHandlers';
import { runLifecycleLog } from './runLog';
import { SkippingClock, systemClock } from './clock';
import { isRunning, type Execution } from './state';
import { TimeSkipping } from './testService/TimeSkipping';
import { INDEXED_VALUE_TYPES, Visibility } from './visibility/Visibility';
import { SqliteStore } from './store/SqliteStore';
import { WorkflowEngine } from './WorkflowEngine';
import { WorkflowExecutions } from './WorkflowExecutions';
import { workflowServiceHandlers } from './workflowServiceHandlers';

const TYPE_NAMES = Object.fromEntries(
  Object.entries(INDEXED_VALUE_TYPES).map(([name, type]) => [type, name]),
);

/** @public */
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
  /** Default `warn`; `info` adds the server's own events, `debug` every run's start and close. */
  logLevel?: LogLevel;
  logFormat?: 'json' | 'pretty';
  /** Where log lines go (each ends with a newline). Default: stderr. */
  logSink?: LogSink;
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

/** @public */
export interface TemporalDevServer {
  /** host:port for the Temporal SDK's `address`. */
  address: string;
  /** Runs loaded from the database at start. */
  restoredRuns: number;
  stop(): Promise<void>;
}

/** @public */
export async function startTemporalDevServer(
  options: TemporalDevServerOptions = {},
): Promise<TemporalDevServer> {
  const ip = options.ip ?? '127.0.0.1';
  // An IPv6 address is written in brackets before its port.
  const host = ip.includes(':') ? `[${ip}]` : ip;
  const logger = createLogger(
    options.logLevel ?? 'warn',
    options.logFormat,
    options.logSink,
  );
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
  // A deadline whose action fails is reported; the others still fire.
  engine.deadlines.onError = (deadline, error) =>
    logger.error('internal error', {
      deadline,
      error: String((error as Error)?.stack ?? error),
    });
  const restored = store?.load() ?? [];
  for (const run of restored) executions.restore(run);
  const save = store && ((run: Execution) => store.save(run));
  const logRun = logger.enabled('debug')
    ? runLifecycleLog(logger, restored)
    : undefined;
  if (save && logRun)
    executions.onChange = run => {
      save(run);
      logRun(run);
    };
  else if (save) executions.onChange = save;
  else if (logRun) executions.onChange = logRun;
  for (const run of restored) if (isRunning(run)) engine.resume(run);
  if (store)
    logger.info('state loaded', {
      dbFilename: options.dbFilename,
      runs: restored.length,
      running: restored.filter(isRunning).length,
    });
  // What changes after the start: namespaces and search attributes registered through the API.
  const keepNamespace = namespaces.onAdded;
  namespaces.onAdded = info => {
    keepNamespace(info);
    logger.info('namespace registered', {
      namespace: info.name,
      namespaceId: info.id,
      retentionSeconds: info.retentionSeconds,
    });
  };
  const keepAttributes = visibility.onChange;
  visibility.onChange = (namespace, attributes) => {
    keepAttributes(namespace, attributes);
    logger.info('search attributes changed', {
      namespace,
      searchAttributes: Object.fromEntries(
        Object.entries(attributes).map(([name, type]) => [
          name,
          TYPE_NAMES[type] ?? type,
        ]),
      ),
    });
  };

  // No channelz: nothing here serves it, and its per-call bookkeeping costs every request.
  const server = new grpc.Server({ 'grpc.enable_channelz': 0 });
  const services: Array<{
    methods: RpcMethod[];
    handlers: AnyServiceHandlers;
  }> = [
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
      `${host}:${options.port ?? 0}`,
      grpc.ServerCredentials.createInsecure(),
      (error, bound) => (error ? reject(error) : resolve(bound)),
    );
  });
  const address = `${host}:${port}`;
  logger.info('server listening', {
    address,
    namespaces: namespaces.names(),
    dbFilename: options.dbFilename,
    state: store ? 'sqlite' : 'memory',
    timeSkipping: Boolean(timeSkipping),
    eagerActivities: options.eagerActivities ?? true,
    searchAttributes: Object.keys(fromOptions).length
      ? options.searchAttributes
      : undefined,
  });
  return {
    address,
    restoredRuns: restored.length,
    async stop() {
      logger.info('server stopping', { address });
      // Waiting polls answer at once, so that workers and the gRPC server can finish.
      engine.stop();
      await new Promise<void>(resolve => server.tryShutdown(() => resolve()));
      server.forceShutdown();
      store?.close();
    },
  };
}
