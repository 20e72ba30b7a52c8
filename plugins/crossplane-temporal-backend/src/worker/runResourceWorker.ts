/*
 * The resource worker as a part of a Backstage backend: started once the backend has started,
 * kept running by its supervisor, stopped when the backend stops. The plugin's embedded worker
 * and the standalone worker (packages/worker) both run it this way.
 */
import type {
  LifecycleService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import type { NotificationService } from '@backstage/plugin-notifications-node';
import { startResourceWorker } from './startResourceWorker';
import { superviseWorker, type SupervisedWorker } from './superviseWorker';

/**
 * Runs the resource workflows' worker and the cluster watchers for as long as the backend runs,
 * from the `crossplaneTemporal` section of its config. While Temporal cannot be reached the
 * backend serves as usual and the worker is tried again with backoff.
 *
 * @public
 */
export function runResourceWorker(options: {
  config: Config;
  logger: LoggerService;
  lifecycle: LifecycleService;
  /** Where the workflows send their notifications; without it they send none. */
  notifications?: NotificationService;
}): void {
  const { lifecycle, config, logger, notifications } = options;
  let worker: SupervisedWorker | undefined;
  lifecycle.addStartupHook(() => {
    worker = superviseWorker({
      start: () => startResourceWorker({ config, logger, notifications }),
      logger,
    });
  });
  lifecycle.addShutdownHook(async () => {
    await worker?.stop();
  });
}
