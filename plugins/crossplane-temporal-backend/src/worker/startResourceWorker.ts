/*
 * Everything that runs wherever a worker runs: the Temporal worker with the resource workflows
 * and their activities, and the cluster watchers that turn what Crossplane reports into signals.
 * The backend plugin (embedded worker) and packages/worker (standalone) both start it here.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import type { NotificationService } from '@backstage/plugin-notifications-node';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type {
  NativeConnection,
  Worker,
  WorkerOptions,
} from '@temporalio/worker';
import { createResourceActivities } from '../activities/createResourceActivities';
import type { ResourceActivities } from '../activities/types';
import { createClusterClients } from '../cluster';
import type { ClusterClients } from '../cluster/types';
import { createResourceWatchers } from '../watchers';
import { observedSignal } from '../workflows/definitions';
import { connectWorker, createResourceWorker } from './createResourceWorker';
import { installTemporalRuntime } from './runtime';
import { SetUp } from './SetUp';
import { createTemporalClient } from './temporalClient';
import { readTemporalSettings } from './temporalConfig';

export interface RunningResourceWorker {
  /** Stops the watchers, then the worker, letting running activities finish. */
  stop(): Promise<void>;
  /** Settles once the Temporal worker has stopped, asked to or not (then its host restarts it). */
  readonly stopped: Promise<void>;
}

export async function startResourceWorker(options: {
  config: Config;
  logger: LoggerService;
  notifications?: NotificationService;
  /** For tests and benchmarks. */
  workerOptions?: Partial<WorkerOptions>;
  /** For tests: wraps the activities, e.g. to hold one back until something has happened. */
  wrapActivities?: (activities: ResourceActivities) => ResourceActivities;
}): Promise<RunningResourceWorker> {
  const { config, logger } = options;
  const settings = readTemporalSettings(config);
  installTemporalRuntime({
    logger,
    prometheusBindAddress: settings.prometheusBindAddress,
    sdkLogLevel: settings.sdkLogLevel,
  });

  // Set up in this order, the Temporal worker last: once created, the SDK lets go of a worker only
  // by running it and shutting it down, and a running worker takes tasks. So every step that can
  // fail (a cluster's settings, Temporal unreachable, the watchers' client, a workflow bundle that
  // does not load) comes before it, the watchers watch the clusters that answer by the time it
  // polls, and a failure undoes what was set up, newest first, leaving nothing running.
  const setUp = new SetUp(logger);
  let clusters: ReturnType<typeof createClusterClients>;
  let connection: NativeConnection;
  let watchers: ReturnType<typeof createResourceWatchers> | undefined;
  let watchersClient: Client | undefined;
  let worker: Worker;
  try {
    clusters = await setUp.step(
      'could not set up the cluster clients',
      () => createClusterClients({ config, logger }),
      c => c.close(),
    );
    connection = await setUp.step(
      `could not connect to Temporal at ${settings.address}`,
      () => connectWorker(settings),
      c => c.close(),
    );
    if (settings.worker.watchers) {
      // The watchers signal the workflows through a client of their own.
      const client = await setUp.step(
        `could not connect the cluster watchers to Temporal at ${settings.address}`,
        () => createTemporalClient(settings),
        c => c.connection.close(),
      );
      watchersClient = client;
      watchers = await setUp.step(
        'could not start the cluster watchers',
        async () => {
          const started = signallingWatchers(client, clusters, logger);
          await started.start();
          return started;
        },
        w => w.stop(),
      );
    }
    const real = createResourceActivities({
      clusters,
      logger,
      notifications: options.notifications,
    });
    worker = await setUp.step(
      `could not create the Temporal worker for task queue ${settings.taskQueue}`,
      () =>
        createResourceWorker(connection, {
          settings,
          activities: options.wrapActivities?.(real) ?? real,
          workerOptions: options.workerOptions,
        }),
    );
  } catch (error) {
    await setUp.undo();
    throw error;
  }

  let stopping: Promise<void> | undefined;
  const running = worker.run().then(
    () => {
      if (!stopping)
        logger.error(
          'the Temporal worker stopped without being asked to; its workflows wait until a worker polls again',
          { taskQueue: settings.taskQueue },
        );
    },
    error => {
      logger.error('the Temporal worker stopped with an error', {
        taskQueue: settings.taskQueue,
        error: String(error),
      });
    },
  );
  logger.info('resource worker started', {
    address: settings.address,
    namespace: settings.namespace,
    taskQueue: settings.taskQueue,
    clusters: clusters.names().join(','),
    watchers: settings.worker.watchers,
  });

  return {
    stopped: running,
    stop() {
      stopping ??= (async () => {
        await watchers?.stop();
        await watchersClient?.connection.close();
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
        await connection.close();
        await clusters.close();
        logger.info('resource worker stopped');
      })();
      return stopping;
    },
  };
}

/** Watchers whose news reaches the owning workflows as signals, through `client`. */
function signallingWatchers(
  client: Client,
  clusters: ClusterClients,
  logger: LoggerService,
) {
  return createResourceWatchers({
    clusters,
    logger,
    async onEvent(workflowId, event) {
      try {
        await client.workflow
          .getHandle(workflowId)
          .signal(observedSignal, event);
      } catch (error) {
        // The workflow finished (the resource was deleted); nothing is waiting for the news.
        if (error instanceof WorkflowNotFoundError) return;
        throw error;
      }
    },
  });
}
