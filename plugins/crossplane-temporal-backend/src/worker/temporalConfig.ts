/*
 * Where Temporal is and how to reach it, from app-config (`crossplaneTemporal.temporal`). Shared
 * by the embedded worker, the standalone worker and the client.
 */
import type { Config } from '@backstage/config';
import type { LogLevel } from '@temporalio/common';
import fs from 'node:fs';
import { resolve as resolvePath } from 'node:path';

export interface TemporalSettings {
  address: string;
  namespace: string;
  taskQueue: string;
  tls?: {
    serverName?: string;
    serverRootCACertificate?: Buffer;
    clientCertPair?: { crt: Buffer; key: Buffer };
  };
  apiKey?: string;
  worker: {
    enabled: boolean;
    /** Whether this worker runs the cluster watchers (see config.d.ts). */
    watchers: boolean;
    /** Absolute: a relative path in app-config is resolved against the working directory. */
    workflowBundlePath?: string;
    maxConcurrentActivityTaskExecutions?: number;
    maxConcurrentWorkflowTaskExecutions?: number;
    workflowThreadPoolSize?: number;
    maxCachedWorkflows: number;
  };
  prometheusBindAddress?: string;
  sdkLogLevel: LogLevel;
}

const SDK_LOG_LEVELS: readonly LogLevel[] = [
  'ERROR',
  'WARN',
  'INFO',
  'DEBUG',
  'TRACE',
];

export const DEFAULT_TASK_QUEUE = 'crossplane-temporal';
export const DEFAULT_TEMPORAL_ADDRESS = 'localhost:7233';
/**
 * Resource workflows live as long as their resources and are idle most of the time: a worker
 * needs to keep in memory only those that are changing now (about 0.6 MB each). The next task of
 * one it let go of still comes to it with only the new events, as Temporal sends them, and the
 * worker fetches the whole history to replay it. A burst of 1,000 provisions took 62–64 s with
 * 100 cached (407–420 MB), 55–65 s with 200 (452–459 MB), 50 s with 300 (494 MB) and 29 s with
 * all 1,000 (770 MB); see the README.
 */
const DEFAULT_MAX_CACHED_WORKFLOWS = 100;

function readFile(path: string, key: string): Buffer {
  try {
    return fs.readFileSync(path);
  } catch (error) {
    throw new Error(
      `crossplaneTemporal.temporal.tls.${key}: cannot read ${path}: ${
        (error as NodeJS.ErrnoException).code
      }`,
    );
  }
}

export function readTemporalSettings(config: Config): TemporalSettings {
  const temporal = config.getOptionalConfig('crossplaneTemporal.temporal');
  const tlsValue = temporal?.getOptional('tls');
  let tls: TemporalSettings['tls'];
  if (tlsValue === true) {
    tls = {};
  } else if (tlsValue && typeof tlsValue === 'object') {
    const t = temporal!.getConfig('tls');
    const caFile = t.getOptionalString('caFile');
    const certFile = t.getOptionalString('certFile');
    const keyFile = t.getOptionalString('keyFile');
    if (Boolean(certFile) !== Boolean(keyFile)) {
      throw new Error(
        'crossplaneTemporal.temporal.tls: certFile and keyFile go together; set both for mTLS, or neither',
      );
    }
    tls = {
      serverName: t.getOptionalString('serverName'),
      serverRootCACertificate: caFile ? readFile(caFile, 'caFile') : undefined,
      clientCertPair:
        certFile && keyFile
          ? {
              crt: readFile(certFile, 'certFile'),
              key: readFile(keyFile, 'keyFile'),
            }
          : undefined,
    };
  }
  return {
    address: temporal?.getOptionalString('address') ?? DEFAULT_TEMPORAL_ADDRESS,
    namespace: temporal?.getOptionalString('namespace') ?? 'default',
    taskQueue: temporal?.getOptionalString('taskQueue') ?? DEFAULT_TASK_QUEUE,
    tls,
    apiKey: temporal?.getOptionalString('apiKey'),
    worker: {
      enabled: temporal?.getOptionalBoolean('worker.enabled') ?? true,
      watchers: temporal?.getOptionalBoolean('worker.watchers') ?? true,
      workflowBundlePath: optionalPath(
        temporal?.getOptionalString('worker.workflowBundlePath'),
      ),
      maxConcurrentActivityTaskExecutions: temporal?.getOptionalNumber(
        'worker.maxConcurrentActivityTaskExecutions',
      ),
      maxConcurrentWorkflowTaskExecutions: temporal?.getOptionalNumber(
        'worker.maxConcurrentWorkflowTaskExecutions',
      ),
      workflowThreadPoolSize: temporal?.getOptionalNumber(
        'worker.workflowThreadPoolSize',
      ),
      maxCachedWorkflows:
        temporal?.getOptionalNumber('worker.maxCachedWorkflows') ??
        DEFAULT_MAX_CACHED_WORKFLOWS,
    },
    prometheusBindAddress: temporal?.getOptionalString(
      'metrics.prometheusBindAddress',
    ),
    sdkLogLevel: readSdkLogLevel(temporal?.getOptionalString('sdkLogLevel')),
  };
}

/** As the SDK and Backstage treat file paths: relative to the directory the process runs in. */
function optionalPath(value: string | undefined): string | undefined {
  return value ? resolvePath(value) : undefined;
}

function readSdkLogLevel(value: string | undefined): LogLevel {
  if (value === undefined) return 'WARN';
  const level = SDK_LOG_LEVELS.find(l => l === value.toUpperCase());
  if (!level) {
    throw new Error(
      `crossplaneTemporal.temporal.sdkLogLevel: '${value}' is not a level; use one of ${SDK_LOG_LEVELS.join(
        ', ',
      )}`,
    );
  }
  return level;
}

/** The TLS options of a Temporal connection (client or worker) from the settings. */
export function temporalTlsOptions(settings: TemporalSettings) {
  if (!settings.tls) return undefined;
  return {
    serverNameOverride: settings.tls.serverName,
    serverRootCACertificate: settings.tls.serverRootCACertificate,
    clientCertPair: settings.tls.clientCertPair,
  };
}
