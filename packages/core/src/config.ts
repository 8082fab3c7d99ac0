/**
 * Configuration: parsed once at start from the environment, split by concern.
 * Nothing else reads `process.env`. A bad value throws a ConfigError naming
 * the variable; the apps print it and exit.
 */
import Joi from 'joi';
import { ConfigError } from './errors.js';
import { clusterPrefixProblem, parseClusterNodes, parseRedisUrl, type RedisSettings } from './redis-settings.js';
import { DEFAULT_MAX_EVENT_BYTES } from './event-size.js';
import { DEFAULT_RETRY_SCHEDULE, parseRetrySchedule, type RetrySchedule } from './retry-schedule.js';
import { parseTracingConfig, type TracingConfig } from './tracing-config.js';
import { portalConfig, portalEnvSchema, type PortalConfig } from './portal-config.js';

export * from './redis-settings.js';

export interface Config {
  env: string;
  logLevel: string;
  databaseUrl: string;
  /** one server or a cluster (REDIS_CLUSTER_NODES or a redis+cluster:// REDIS_URL); connect with this */
  redis: RedisSettings;
  /** REDIS_URL as given; in cluster mode a redis+cluster:// URL, which a plain ioredis `Redis` cannot open */
  redisUrl: string;
  queuePrefix: string;
  api: { port: number; adminApiKey: string };
  delivery: {
    retrySchedule: RetrySchedule;
    timeoutMs: number;
    concurrency: number;
    allowPrivateDestinations: boolean;
    /** consecutive failure span after which a webhook is disabled */
    autoDisableAfterMs: number;
    reconcileIntervalMs: number;
    /** ENDPOINT_MAX_IN_FLIGHT: deliveries in flight to one webhook, fleet-wide, unless the webhook sets max_in_flight */
    endpointMaxInFlight: number;
  };
  worker: { metricsPort: number };
  /** RETENTION_DAYS, RETENTION_SWEEP_INTERVAL_MS: final history older than maxAgeMs is deleted by the workers' sweep */
  retention: { maxAgeMs: number; sweepIntervalMs: number };
  /** MAX_EVENT_BYTES: the largest event (its JSON) the API accepts */
  ingest: { maxEventBytes: number };
  /** webhook secrets are encrypted at rest with a key derived from it; required in production */
  secretEncryptionKey: string | undefined;
  /** SECRET_ENCRYPTION_KEY_PREVIOUS: opens secrets sealed before a key rotation */
  previousSecretEncryptionKeys: string[];
  /** OpenTelemetry tracing from the standard OTEL_* variables (see tracing-config.ts) */
  tracing: TracingConfig;
  /** the tenant portal: where its links point and who may frame the dashboard */
  portal: PortalConfig;
}

const retrySchedule = Joi.string().custom((value: string) => parseRetrySchedule(value));

const envSchema = Joi.object({
  NODE_ENV: Joi.string().default('development'),
  LOG_LEVEL: Joi.string().valid('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent').default('info'),
  DATABASE_URL: Joi.string()
    .uri({ scheme: ['postgres', 'postgresql'] })
    .default('postgresql://postgres@127.0.0.1:5432/hookrelay'),
  // both parsed by redisSettings(), which names the variable in its message
  REDIS_URL: Joi.string().default('redis://127.0.0.1:6379'),
  REDIS_CLUSTER_NODES: Joi.string(),
  QUEUE_PREFIX: Joi.string()
    .pattern(/^[A-Za-z0-9_{}:.-]+$/)
    .max(64)
    .default('hookrelay'),
  PORT: Joi.number().integer().min(0).max(65535).default(3000),
  ADMIN_API_KEY: Joi.string().min(8),
  RETRY_SCHEDULE: retrySchedule.default(DEFAULT_RETRY_SCHEDULE.join(',')),
  DELIVERY_TIMEOUT_MS: Joi.number().integer().min(100).max(300000).default(15000),
  WORKER_CONCURRENCY: Joi.number().integer().min(1).max(10000).default(50),
  ENDPOINT_MAX_IN_FLIGHT: Joi.number().integer().min(1).max(100).default(10),
  ALLOW_PRIVATE_DESTINATIONS: Joi.boolean().truthy('1').falsy('0').default(false),
  AUTO_DISABLE_AFTER_SECONDS: Joi.number()
    .integer()
    .min(1)
    .default(5 * 24 * 3600),
  RECONCILE_INTERVAL_MS: Joi.number().integer().min(1000).default(30000),
  WORKER_METRICS_PORT: Joi.number().integer().min(0).max(65535).default(9464),
  RETENTION_DAYS: Joi.number().min(0.0005).max(36500).default(30),
  RETENTION_SWEEP_INTERVAL_MS: Joi.number()
    .integer()
    .min(1000)
    .max(7 * 24 * 3600 * 1000)
    .default(3600000),
  // a single POST /v1/events body is at most 1 MiB anyway
  MAX_EVENT_BYTES: Joi.number()
    .integer()
    .min(1024)
    .max(1024 * 1024)
    .default(DEFAULT_MAX_EVENT_BYTES),
  SECRET_ENCRYPTION_KEY: Joi.string().min(16),
  // empty = unset, so that compose can pass it through when it is not set
  SECRET_ENCRYPTION_KEY_PREVIOUS: Joi.string().min(16).empty(''),
  ...portalEnvSchema,
}).unknown(true);

/** Every environment variable the configuration reads (deployment manifests are checked against it). */
export function configVariables(): string[] {
  return Object.keys((envSchema.describe() as { keys?: Record<string, unknown> }).keys ?? {});
}

function invalid(name: string, message: string): ConfigError {
  return new ConfigError(`Invalid configuration: ${name}: ${message}`);
}

function redisSettings(env: NodeJS.ProcessEnv, value: { REDIS_URL: string; REDIS_CLUSTER_NODES?: string; QUEUE_PREFIX: string }): RedisSettings {
  let settings: RedisSettings;
  if (value.REDIS_CLUSTER_NODES !== undefined) {
    if (env.REDIS_URL !== undefined) {
      throw invalid(
        'REDIS_CLUSTER_NODES',
        'set either REDIS_CLUSTER_NODES or REDIS_URL, not both (for a password or TLS use REDIS_URL=redis+cluster://user:pass@host:port,host:port)',
      );
    }
    try {
      settings = { kind: 'cluster', nodes: parseClusterNodes(value.REDIS_CLUSTER_NODES), tls: false };
    } catch (error) {
      throw invalid('REDIS_CLUSTER_NODES', `must be a comma-separated host:port list: ${(error as Error).message}`);
    }
  } else {
    try {
      settings = parseRedisUrl(value.REDIS_URL);
    } catch (error) {
      throw invalid('REDIS_URL', (error as Error).message);
    }
  }
  const prefixProblem = settings.kind === 'cluster' ? clusterPrefixProblem(value.QUEUE_PREFIX) : null;
  if (prefixProblem) throw invalid('QUEUE_PREFIX', prefixProblem);
  return settings;
}

export interface LoadOptions {
  /** the API needs ADMIN_API_KEY; the worker does not */
  requireAdminKey?: boolean;
}

export function loadConfig(env: NodeJS.ProcessEnv, options: LoadOptions = {}): Config {
  const schema = options.requireAdminKey ? envSchema.keys({ ADMIN_API_KEY: Joi.string().min(8).required() }) : envSchema;
  const { value, error } = schema.validate(env, { abortEarly: true, convert: true });
  if (error) {
    const detail = error.details[0];
    const name = String(detail?.path[0] ?? 'environment');
    throw new ConfigError(`Invalid configuration: ${name}: ${detail?.message.replace(/^"[^"]*" /, '') ?? error.message}`);
  }
  if (value.NODE_ENV === 'production' && !value.SECRET_ENCRYPTION_KEY) {
    throw new ConfigError('Invalid configuration: SECRET_ENCRYPTION_KEY: is required when NODE_ENV=production (webhook secrets are encrypted at rest with it)');
  }
  if (value.SECRET_ENCRYPTION_KEY_PREVIOUS !== undefined) {
    if (!value.SECRET_ENCRYPTION_KEY) throw invalid('SECRET_ENCRYPTION_KEY_PREVIOUS', 'is set without SECRET_ENCRYPTION_KEY (the key it is being rotated to)');
    if (value.SECRET_ENCRYPTION_KEY_PREVIOUS === value.SECRET_ENCRYPTION_KEY)
      throw invalid('SECRET_ENCRYPTION_KEY_PREVIOUS', 'must differ from SECRET_ENCRYPTION_KEY');
  }
  const redis = redisSettings(env, value);
  const tracing = parseTracingConfig(env);
  return {
    env: value.NODE_ENV,
    logLevel: value.LOG_LEVEL,
    databaseUrl: value.DATABASE_URL,
    redis,
    redisUrl: value.REDIS_CLUSTER_NODES !== undefined ? `redis+cluster://${value.REDIS_CLUSTER_NODES.replace(/\s/g, '')}` : value.REDIS_URL,
    queuePrefix: value.QUEUE_PREFIX,
    api: { port: value.PORT, adminApiKey: value.ADMIN_API_KEY ?? '' },
    delivery: {
      retrySchedule: value.RETRY_SCHEDULE,
      timeoutMs: value.DELIVERY_TIMEOUT_MS,
      concurrency: value.WORKER_CONCURRENCY,
      allowPrivateDestinations: value.ALLOW_PRIVATE_DESTINATIONS,
      autoDisableAfterMs: value.AUTO_DISABLE_AFTER_SECONDS * 1000,
      reconcileIntervalMs: value.RECONCILE_INTERVAL_MS,
      endpointMaxInFlight: value.ENDPOINT_MAX_IN_FLIGHT,
    },
    worker: { metricsPort: value.WORKER_METRICS_PORT },
    retention: { maxAgeMs: Math.round(value.RETENTION_DAYS * 24 * 3600 * 1000), sweepIntervalMs: value.RETENTION_SWEEP_INTERVAL_MS },
    ingest: { maxEventBytes: value.MAX_EVENT_BYTES },
    secretEncryptionKey: value.SECRET_ENCRYPTION_KEY,
    previousSecretEncryptionKeys: value.SECRET_ENCRYPTION_KEY_PREVIOUS ? [value.SECRET_ENCRYPTION_KEY_PREVIOUS] : [],
    tracing,
    portal: portalConfig(value),
  };
}

/** For a process's entry point: the configuration, or its one-line message on stderr and exit 1. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv, options: LoadOptions = {}): Config {
  try {
    return loadConfig(env, options);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
