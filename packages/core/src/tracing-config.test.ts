import { loadConfig } from './config.js';
import { ConfigError } from './errors.js';
import { currentTraceparent, inSpan, tracingEnabled } from './tracing.js';
import { startTracing } from './tracing-setup.js';
import { createLogger } from './logger.js';

function configError(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

test('tracing is off unless an OTLP endpoint is set', () => {
  expect(loadConfig({}).tracing.enabled).toBe(false);
  expect(loadConfig({ OTEL_SERVICE_NAME: 'x', OTEL_TRACES_SAMPLER: 'always_on', OTEL_EXPORTER_OTLP_ENDPOINT: '' }).tracing.enabled).toBe(false);
  expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).tracing.enabled).toBe(true);
  expect(loadConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://collector/v1/traces' }).tracing.enabled).toBe(true);
  expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }).tracing.enabled).toBe(false);
  expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' }).tracing.enabled).toBe(false);
});

test('the standard sampler and batch processor variables are read, with the SDK defaults', () => {
  expect(loadConfig({}).tracing).toMatchObject({
    serviceName: undefined,
    sampler: { name: 'parentbased_always_on', ratio: 1 },
    batch: { scheduledDelayMillis: 5000, exportTimeoutMillis: 30000, maxQueueSize: 2048, maxExportBatchSize: 512 },
  });
  const tracing = loadConfig({
    OTEL_SERVICE_NAME: 'relay',
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: '0.25',
    OTEL_BSP_SCHEDULE_DELAY: '100',
    OTEL_BSP_MAX_QUEUE_SIZE: '100',
  }).tracing;
  expect(tracing).toMatchObject({
    serviceName: 'relay',
    sampler: { name: 'parentbased_traceidratio', ratio: 0.25 },
    batch: { scheduledDelayMillis: 100, maxQueueSize: 100, maxExportBatchSize: 100 },
  });
});

test('invalid tracing variables stop the start with a message naming them', () => {
  expect(configError({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toMatch(/^Invalid configuration: OTEL_EXPORTER_OTLP_ENDPOINT: /);
  expect(configError({ OTEL_TRACES_SAMPLER: 'sometimes' })).toMatch(/^Invalid configuration: OTEL_TRACES_SAMPLER: must be one of/);
  expect(configError({ OTEL_TRACES_SAMPLER_ARG: '2' })).toMatch(/OTEL_TRACES_SAMPLER_ARG/);
  expect(configError({ OTEL_BSP_SCHEDULE_DELAY: 'soon' })).toMatch(/OTEL_BSP_SCHEDULE_DELAY/);
  expect(configError({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toMatch(/OTEL_EXPORTER_OTLP_PROTOCOL: .*gRPC is not supported/);
  expect(configError({ OTEL_TRACES_EXPORTER: 'zipkin' })).toMatch(/OTEL_TRACES_EXPORTER/);
  expect(loadConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' }).tracing.protobufRequested).toBe(true);
});

test('unset, startTracing starts nothing and the helpers do no tracing work', async () => {
  const handle = await startTracing(loadConfig({}).tracing, 'hookrelay-test', createLogger({ level: 'silent' }));
  expect(handle.enabled).toBe(false);
  expect(tracingEnabled()).toBe(false);
  expect(currentTraceparent()).toBeUndefined();
  await expect(inSpan('x', {}, async (span) => span)).resolves.toBeUndefined();
  await handle.shutdown();
});
