/**
 * The standard OTEL_* variables Hookrelay honours, parsed once with the rest
 * of the configuration. Tracing is on when an OTLP endpoint is set
 * (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), unless
 * OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none. The exporter itself
 * reads the OTEL_EXPORTER_OTLP_* variables (endpoint, headers, timeout,
 * compression), as every OpenTelemetry SDK does.
 */
import Joi from 'joi';
import { ConfigError } from './errors.js';

export const SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;
export type SamplerName = (typeof SAMPLERS)[number];

export interface TracingConfig {
  /** an OTLP endpoint is set and tracing is not disabled */
  enabled: boolean;
  /** OTEL_SERVICE_NAME; each process falls back to its own default (hookrelay-api, hookrelay-worker) */
  serviceName: string | undefined;
  sampler: { name: SamplerName; ratio: number };
  /** the batch span processor (OTEL_BSP_*) */
  batch: { scheduledDelayMillis: number; exportTimeoutMillis: number; maxQueueSize: number; maxExportBatchSize: number };
  /** OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL asked for protobuf: spans are sent as JSON all the same (same port and path) */
  protobufRequested: boolean;
}

const endpoint = Joi.string()
  .uri({ scheme: ['http', 'https'] })
  .empty('');
const protocol = Joi.string().valid('http/json', 'http/protobuf').empty('').messages({
  'any.only': 'must be http/json or http/protobuf: Hookrelay exports OTLP over HTTP (JSON); gRPC is not supported',
});
const count = Joi.number().integer().min(1).empty('');

const otelSchema = Joi.object({
  OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: endpoint,
  OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: protocol,
  OTEL_SDK_DISABLED: Joi.boolean().empty('').default(false),
  OTEL_TRACES_EXPORTER: Joi.string().valid('otlp', 'none').empty('').default('otlp').messages({
    'any.only': 'must be otlp or none (Hookrelay exports traces over OTLP/HTTP only)',
  }),
  OTEL_SERVICE_NAME: Joi.string().max(255).empty(''),
  OTEL_TRACES_SAMPLER: Joi.string()
    .valid(...SAMPLERS)
    .empty('')
    .default('parentbased_always_on'),
  OTEL_TRACES_SAMPLER_ARG: Joi.number().min(0).max(1).empty(''),
  OTEL_BSP_SCHEDULE_DELAY: Joi.number().integer().min(0).empty('').default(5000),
  OTEL_BSP_EXPORT_TIMEOUT: count.default(30000),
  OTEL_BSP_MAX_QUEUE_SIZE: count.default(2048),
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: count.default(512),
}).unknown(true);

export function parseTracingConfig(env: NodeJS.ProcessEnv): TracingConfig {
  const { value, error } = otelSchema.validate(env, { abortEarly: true, convert: true });
  if (error) {
    const detail = error.details[0];
    const name = String(detail?.path[0] ?? 'OTEL');
    throw new ConfigError(`Invalid configuration: ${name}: ${detail?.message.replace(/^"[^"]*" /, '') ?? error.message}`);
  }
  const hasEndpoint = Boolean(value.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? value.OTEL_EXPORTER_OTLP_ENDPOINT);
  const protocolAsked: string | undefined = value.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? value.OTEL_EXPORTER_OTLP_PROTOCOL;
  return {
    enabled: hasEndpoint && !value.OTEL_SDK_DISABLED && value.OTEL_TRACES_EXPORTER !== 'none',
    serviceName: value.OTEL_SERVICE_NAME,
    sampler: { name: value.OTEL_TRACES_SAMPLER, ratio: value.OTEL_TRACES_SAMPLER_ARG ?? 1 },
    batch: {
      scheduledDelayMillis: value.OTEL_BSP_SCHEDULE_DELAY,
      exportTimeoutMillis: value.OTEL_BSP_EXPORT_TIMEOUT,
      maxQueueSize: value.OTEL_BSP_MAX_QUEUE_SIZE,
      maxExportBatchSize: Math.min(value.OTEL_BSP_MAX_EXPORT_BATCH_SIZE, value.OTEL_BSP_MAX_QUEUE_SIZE),
    },
    protobufRequested: protocolAsked === 'http/protobuf',
  };
}
