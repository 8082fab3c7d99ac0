/**
 * Starts the OpenTelemetry SDK for the API or a worker when an OTLP endpoint
 * is configured: W3C trace context propagation, an AsyncLocalStorage context
 * manager, the sampler and batch processor the OTEL_* variables ask for, and
 * the OTLP/HTTP (JSON) exporter, which reads OTEL_EXPORTER_OTLP_* itself.
 * The SDK modules are imported here, lazily: with tracing off none of them
 * is ever loaded.
 */
import type { Logger } from './logger.js';
import { setTracingEnabled } from './tracing.js';
import type { SamplerName, TracingConfig } from './tracing-config.js';

export interface TracingHandle {
  enabled: boolean;
  /** exports what is still buffered, then stops (bounded); a no-op when tracing is off */
  shutdown(): Promise<void>;
}

const OFF: TracingHandle = { enabled: false, shutdown: async () => {} };
const SHUTDOWN_TIMEOUT_MS = 5000;

type SdkTrace = typeof import('@opentelemetry/sdk-trace');

function samplerFor(sdk: SdkTrace, name: SamplerName, ratio: number) {
  switch (name) {
    case 'always_on':
      return new sdk.AlwaysOnSampler();
    case 'always_off':
      return new sdk.AlwaysOffSampler();
    case 'traceidratio':
      return new sdk.TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_off':
      return new sdk.ParentBasedSampler({ root: new sdk.AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new sdk.ParentBasedSampler({ root: new sdk.TraceIdRatioBasedSampler(ratio) });
    default:
      return new sdk.ParentBasedSampler({ root: new sdk.AlwaysOnSampler() });
  }
}

/** The OpenTelemetry SDK's own diagnostics (export failures) go to our log at warn level. */
function diagnosticsTo(logger: Logger) {
  const log =
    (level: 'error' | 'warn') =>
    (message: string, ...args: unknown[]) =>
      logger[level]({ otel: args.map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : String(a))) }, `opentelemetry: ${message}`);
  const ignore = () => {};
  return { error: log('error'), warn: log('warn'), info: ignore, debug: ignore, verbose: ignore };
}

export async function startTracing(config: TracingConfig, defaultServiceName: string, logger: Logger): Promise<TracingHandle> {
  if (!config.enabled) return OFF;
  const [api, core, sdk, exporter, resources, asyncHooks] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/core'),
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/context-async-hooks'),
  ]);
  api.diag.setLogger(diagnosticsTo(logger), api.DiagLogLevel.WARN);
  api.context.setGlobalContextManager(new asyncHooks.AsyncLocalStorageContextManager().enable());
  api.propagation.setGlobalPropagator(new core.W3CTraceContextPropagator());

  const serviceName = config.serviceName ?? defaultServiceName;
  // OTEL_RESOURCE_ATTRIBUTES first, OTEL_SERVICE_NAME (or the default) over it
  const resource = resources
    .resourceFromAttributes({ 'service.name': defaultServiceName })
    .merge(resources.detectResources({ detectors: [resources.resourceAttributesEnvDetector] }))
    .merge(config.serviceName ? resources.resourceFromAttributes({ 'service.name': config.serviceName }) : resources.emptyResource());
  const provider = new sdk.TracerProvider({
    resource,
    sampler: samplerFor(sdk, config.sampler.name, config.sampler.ratio),
    spanProcessors: [new sdk.BatchSpanProcessor({ exporter: new exporter.OTLPTraceExporter(), ...config.batch })],
  });
  api.trace.setGlobalTracerProvider(provider);
  setTracingEnabled(true);
  if (config.protobufRequested)
    logger.warn('OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf: Hookrelay sends OTLP/HTTP as JSON (collectors accept both on the same endpoint)');
  logger.info(
    { service_name: serviceName, sampler: config.sampler.name, schedule_delay_ms: config.batch.scheduledDelayMillis },
    'tracing on: exporting spans over OTLP/HTTP',
  );

  let stopped: Promise<void> | null = null;
  return {
    enabled: true,
    shutdown() {
      stopped ??= (async () => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, SHUTDOWN_TIMEOUT_MS)));
        try {
          await Promise.race([provider.shutdown(), timeout]);
        } catch (error) {
          logger.warn({ err: error }, 'tracing shutdown failed: buffered spans may be lost');
        } finally {
          clearTimeout(timer);
          setTracingEnabled(false);
        }
      })();
      return stopped;
    },
  };
}
