/*
 * OpenTelemetry metrics in Prometheus format, as Backstage's OpenTelemetry tutorial sets them up
 * (metrics only): loaded before the backend (`node --require ./src/instrumentation.js`, which the
 * start script passes), so that every plugin's metrics service (the crossplane-temporal plugin's
 * crossplane_temporal_* series among them) records into this meter provider.
 *
 * Served on OTEL_EXPORTER_PROMETHEUS_HOST:OTEL_EXPORTER_PROMETHEUS_PORT, by default
 * http://127.0.0.1:9464/metrics; set the host to 0.0.0.0 where a Prometheus in another
 * container scrapes it.
 */
'use strict';

// Once per process: the Temporal worker runs workflows in worker threads.
const { isMainThread } = require('node:worker_threads');

if (isMainThread) {
  const { metrics } = require('@opentelemetry/api');
  const { MeterProvider } = require('@opentelemetry/sdk-metrics');
  const { PrometheusExporter } = require('@opentelemetry/exporter-prometheus');

  const exporter = new PrometheusExporter({
    host: process.env.OTEL_EXPORTER_PROMETHEUS_HOST ?? '127.0.0.1',
    port: Number(process.env.OTEL_EXPORTER_PROMETHEUS_PORT ?? 9464),
  });
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [exporter] }));
}
