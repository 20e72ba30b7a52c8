/*
 * The backend plugin's embedded worker: run unless app-config turns it off because standalone
 * workers (packages/worker) run the workflows instead.
 */
import type {
  LifecycleService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import type { NotificationService } from '@backstage/plugin-notifications-node';
import { runResourceWorker } from './runResourceWorker';
import { readTemporalSettings } from './temporalConfig';

export function runEmbeddedWorker(options: {
  config: Config;
  logger: LoggerService;
  lifecycle: LifecycleService;
  notifications?: NotificationService;
}): void {
  if (readTemporalSettings(options.config).worker.enabled) {
    runResourceWorker(options);
  } else {
    options.logger.info(
      'embedded worker disabled (crossplaneTemporal.temporal.worker.enabled: false)',
    );
  }
}
