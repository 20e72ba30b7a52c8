/*
 * Logger and metrics services that keep what they are given, for tests to read.
 */
import {
  createServiceFactory,
  coreServices,
  type LoggerService,
} from '@backstage/backend-plugin-api';
import {
  metricsServiceRef,
  type MetricsService,
  type MetricsServiceObservableCallback,
} from '@backstage/backend-plugin-api/alpha';

export interface LogLine {
  level: 'error' | 'warn' | 'info' | 'debug';
  message: string;
  fields: Record<string, unknown>;
}

export function recordingLogger() {
  const lines: LogLine[] = [];
  const make = (base: Record<string, unknown>): LoggerService => {
    const log =
      (level: LogLine['level']) => (message: string, fields?: unknown) =>
        lines.push({
          level,
          message,
          fields: { ...base, ...(fields instanceof Error ? { error: String(fields) } : (fields as object)) },
        });
    return {
      error: log('error'),
      warn: log('warn'),
      info: log('info'),
      debug: log('debug'),
      child: fields => make({ ...base, ...fields }),
    };
  };
  const factory = createServiceFactory({
    service: coreServices.logger,
    deps: { plugin: coreServices.pluginMetadata },
    factory: ({ plugin }) => make({ plugin: plugin.getId() }),
  });
  return { lines, factory };
}

/**
 * A metrics service whose observable gauges can be collected on demand; other instruments (the
 * catalog's own) record nothing.
 */
export function recordingMetrics() {
  const gauges = new Map<string, MetricsServiceObservableCallback[]>();
  const ignored = () => ({
    add: () => {},
    record: () => {},
    addCallback: () => {},
    removeCallback: () => {},
  });
  const unused = ignored as any;
  const service: MetricsService = {
    createObservableGauge(name: string) {
      const callbacks: MetricsServiceObservableCallback[] = [];
      gauges.set(name, callbacks);
      return {
        addCallback: (cb: MetricsServiceObservableCallback) => callbacks.push(cb),
        removeCallback: () => {},
      } as any;
    },
    createCounter: unused,
    createUpDownCounter: unused,
    createHistogram: unused,
    createGauge: unused,
    createObservableCounter: unused,
    createObservableUpDownCounter: unused,
  } as MetricsService;
  /** What a collection of the gauge reports now. */
  async function collect(name: string) {
    const observed: Array<{ value: number; attributes: Record<string, unknown> }> = [];
    for (const cb of gauges.get(name) ?? [])
      await cb({ observe: (value, attributes) => observed.push({ value, attributes: attributes ?? {} }) });
    return observed;
  }
  const factory = createServiceFactory({
    service: metricsServiceRef,
    deps: {},
    factory: () => service,
  });
  return { factory, collect };
}
