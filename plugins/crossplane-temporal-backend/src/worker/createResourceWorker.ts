/*
 * The one worker factory: the backend's embedded worker and the standalone packages/worker both
 * build their workers here, so they run the same workflows with the same activities.
 */
import {
  NativeConnection,
  Worker,
  type WorkerOptions,
} from '@temporalio/worker';
import type { ResourceActivities } from '../activities/types';
import { temporalTlsOptions, type TemporalSettings } from './temporalConfig';
import { checkWorkflowBundle, workflowsPath } from './workflowBundle';

export interface ResourceWorkerOptions {
  settings: TemporalSettings;
  activities: ResourceActivities;
  /** Overrides for tests and benchmarks (e.g. identity, concurrency). */
  workerOptions?: Partial<WorkerOptions>;
}

/**
 * The workflow code: a pre-built bundle in production (checked first, so that a missing or
 * unreadable one is reported with its config key and path), bundled from source otherwise.
 */
async function workflowSource(
  settings: TemporalSettings,
): Promise<Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'>> {
  const codePath = settings.worker.workflowBundlePath;
  if (codePath) {
    await checkWorkflowBundle(codePath);
    return { workflowBundle: { codePath } };
  }
  return { workflowsPath: workflowsPath() };
}

export async function connectWorker(
  settings: TemporalSettings,
): Promise<NativeConnection> {
  return NativeConnection.connect({
    address: settings.address,
    tls: temporalTlsOptions(settings),
    apiKey: settings.apiKey,
  });
}

export async function createResourceWorker(
  connection: NativeConnection,
  options: ResourceWorkerOptions,
): Promise<Worker> {
  const { settings } = options;
  return Worker.create({
    connection,
    namespace: settings.namespace,
    taskQueue: settings.taskQueue,
    activities: options.activities,
    ...(await workflowSource(settings)),
    maxConcurrentActivityTaskExecutions:
      settings.worker.maxConcurrentActivityTaskExecutions,
    maxConcurrentWorkflowTaskExecutions:
      settings.worker.maxConcurrentWorkflowTaskExecutions,
    maxCachedWorkflows: settings.worker.maxCachedWorkflows,
    workflowThreadPoolSize: settings.worker.workflowThreadPoolSize,
    // Leave running activities time to finish and report before the process exits.
    shutdownGraceTime: '10 seconds',
    ...options.workerOptions,
  });
}
