/**
 * Configuration: parsed once at start from the environment, split by concern.
 * Nothing else reads `process.env`. A bad value throws a ConfigError naming
 * the variable; the apps print it and exit.
 */
import Joi from 'joi';
import { ConfigError } from './errors.js';
import { DEFAULT_RETRY_SCHEDULE, parseRetrySchedule, type RetrySchedule } from './retry-schedule.js';

export interface Config {
  env: string;
  logLevel: string;
  databaseUrl: string;
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
  };
  worker: { metricsPort: number };
  /** webhook secrets are encrypted at rest with a key derived from it; required in production */
  secretEncryptionKey: string | undefined;
}

const retrySchedule = Joi.string().custom((value: string) => parseRetrySchedule(value));

const envSchema = Joi.object({
  NODE_ENV: Joi.string().default('development'),
  LOG_LEVEL: Joi.string().valid('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent').default('info'),
  DATABASE_URL: Joi.string().uri({ scheme: ['postgres', 'postgresql'] }).default('postgresql://postgres@127.0.0.1:5432/hookrelay'),
  REDIS_URL: Joi.string().uri({ scheme: ['redis', 'rediss'] }).default('redis://127.0.0.1:6379'),
  QUEUE_PREFIX: Joi.string().pattern(/^[A-Za-z0-9_{}:.-]+$/).max(64).default('hookrelay'),
  PORT: Joi.number().integer().min(0).max(65535).default(3000),
  ADMIN_API_KEY: Joi.string().min(8),
  RETRY_SCHEDULE: retrySchedule.default(DEFAULT_RETRY_SCHEDULE.join(',')),
  DELIVERY_TIMEOUT_MS: Joi.number().integer().min(100).max(300000).default(15000),
  WORKER_CONCURRENCY: Joi.number().integer().min(1).max(10000).default(50),
  ALLOW_PRIVATE_DESTINATIONS: Joi.boolean().truthy('1').falsy('0').default(false),
  AUTO_DISABLE_AFTER_SECONDS: Joi.number().integer().min(1).default(5 * 24 * 3600),
  RECONCILE_INTERVAL_MS: Joi.number().integer().min(1000).default(30000),
  WORKER_METRICS_PORT: Joi.number().integer().min(0).max(65535).default(9464),
  SECRET_ENCRYPTION_KEY: Joi.string().min(16),
}).unknown(true);

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
  return {
    env: value.NODE_ENV,
    logLevel: value.LOG_LEVEL,
    databaseUrl: value.DATABASE_URL,
    redisUrl: value.REDIS_URL,
    queuePrefix: value.QUEUE_PREFIX,
    api: { port: value.PORT, adminApiKey: value.ADMIN_API_KEY ?? '' },
    delivery: {
      retrySchedule: value.RETRY_SCHEDULE,
      timeoutMs: value.DELIVERY_TIMEOUT_MS,
      concurrency: value.WORKER_CONCURRENCY,
      allowPrivateDestinations: value.ALLOW_PRIVATE_DESTINATIONS,
      autoDisableAfterMs: value.AUTO_DISABLE_AFTER_SECONDS * 1000,
      reconcileIntervalMs: value.RECONCILE_INTERVAL_MS,
    },
    worker: { metricsPort: value.WORKER_METRICS_PORT },
    secretEncryptionKey: value.SECRET_ENCRYPTION_KEY,
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
