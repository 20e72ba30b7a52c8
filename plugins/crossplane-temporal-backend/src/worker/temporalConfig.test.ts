/*
 * Reading `crossplaneTemporal.temporal` from app-config: defaults, worker settings, and a clear
 * error for half-configured mTLS.
 */
import { ConfigReader } from '@backstage/config';
import { readTemporalSettings } from './temporalConfig';

describe('readTemporalSettings', () => {
  it('defaults to a local Temporal and a worker that runs the watchers', () => {
    const settings = readTemporalSettings(new ConfigReader({}));
    expect(settings).toMatchObject({
      address: 'localhost:7233',
      namespace: 'default',
      taskQueue: 'crossplane-temporal',
      worker: { enabled: true, watchers: true },
      sdkLogLevel: 'WARN',
    });
    // Resource workflows are idle most of their life: only those changing now stay cached.
    expect(settings.worker.maxCachedWorkflows).toBe(100);
  });

  it('reads the worker settings that bound its watches and memory', () => {
    const settings = readTemporalSettings(
      new ConfigReader({
        crossplaneTemporal: {
          temporal: {
            worker: {
              watchers: false,
              maxCachedWorkflows: 250,
              workflowThreadPoolSize: 2,
            },
          },
        },
      }),
    );
    expect(settings.worker).toMatchObject({
      enabled: true,
      watchers: false,
      maxCachedWorkflows: 250,
      workflowThreadPoolSize: 2,
    });
  });

  it('refuses a client certificate without its key, saying what to set', () => {
    expect(() =>
      readTemporalSettings(
        new ConfigReader({
          crossplaneTemporal: {
            temporal: { tls: { certFile: '/etc/temporal/client.pem' } },
          },
        }),
      ),
    ).toThrow(/certFile and keyFile go together/);
  });

  it('reads the SDK log level in any case, and refuses one that is not a level', () => {
    const level = (sdkLogLevel: string) =>
      readTemporalSettings(
        new ConfigReader({ crossplaneTemporal: { temporal: { sdkLogLevel } } }),
      ).sdkLogLevel;
    expect(level('debug')).toBe('DEBUG');
    expect(() => level('verbose')).toThrow(
      "crossplaneTemporal.temporal.sdkLogLevel: 'verbose' is not a level; use one of ERROR, WARN, INFO, DEBUG, TRACE",
    );
  });
});
