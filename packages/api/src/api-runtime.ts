/**
 * Builds and starts the whole API process: Postgres, Redis, services, the
 * Express app, listening on PORT. Used by apps/api and by end-to-end tests,
 * so both run exactly the same wiring.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SecretBox, type Config, type Logger, createRedisConnection, isRedisReachable } from '@hookrelay/core';
import {
  ApiKeysRepository,
  DeliveryStore,
  EventTypesRepository,
  FanOutStore,
  PortalSessionsRepository,
  TenantsRepository,
  createDatabase,
  isDatabaseReachable,
} from '@hookrelay/db';
import { Deliverer, createDeliveryAttempts, Metrics } from '@hookrelay/delivery';
import { ApiKeyService } from './services/api-key-service.js';
import { AuthService } from './services/auth.js';
import { createFairScheduling, DeliveryQueue } from '@hookrelay/scheduling';
import { EventCatalog, EventBatchIngestService, EventIngestService, EventSchemaValidator } from '@hookrelay/ingest';
import { EventTypeService } from './services/event-type-service.js';
import { NotificationService } from './services/notification-service.js';
import { PortalSessionService } from './services/portal-session-service.js';
import { StatsService } from './services/stats-service.js';
import { WebhookService } from './services/webhook-service.js';
import { createApp } from './app.js';
import { dashboardRoutes } from './dashboard/dashboard-routes.js';
import { answerClientErrorsWithProblems } from './middleware/client-error.js';
import type { ReadinessCheck } from './routes/health.js';
import { eventRoutes } from './routes/events.js';
import { metricsRoutes } from './routes/metrics.js';
import { notificationRoutes } from './routes/notifications.js';
import { portalSessionRoutes } from './routes/portal-sessions.js';
import { statsRoutes } from './routes/stats.js';

/**
 * Idle keep-alive connections stay open this long (Node's default is 5 s).
 * A client that reuses a connection just as the server closes it gets
 * ECONNRESET, and a POST cannot safely be retried blind; clients and load
 * balancers commonly keep idle connections for up to 60 s, so the server
 * must outlast them.
 */
export const API_KEEP_ALIVE_TIMEOUT_MS = 65_000;

export interface ApiRuntime {
  server: Server;
  /** http://127.0.0.1:<port> */
  url: string;
  stop(): Promise<void>;
}

function withTimeout<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface ApiRuntimeOptions {
  /** replaces the Postgres + Redis readiness check (tests of /readyz) */
  readiness?: ReadinessCheck;
}

export async function startApiRuntime(config: Config, logger: Logger, options: ApiRuntimeOptions = {}): Promise<ApiRuntime> {
  const database = createDatabase({ url: config.databaseUrl, poolSize: 20, logger });
  const db = database.prisma;
  const redis = createRedisConnection(config.redis);
  redis.on('error', (err: Error) => logger.debug({ err }, 'redis connection error'));

  const tenants = new TenantsRepository(db);
  const apiKeys = new ApiKeysRepository(db);
  const portalSessions = new PortalSessionsRepository(db);
  const portal = new PortalSessionService({ portalSessions, tenants, publicBaseUrl: config.portal.publicBaseUrl });
  const schemas = new EventSchemaValidator(new EventTypesRepository(db));
  const eventTypes = new EventTypeService({ eventTypes: new EventTypesRepository(db), tenants, schemas });
  const secrets = new SecretBox(config.secretEncryptionKey, config.previousSecretEncryptionKeys);
  if (!secrets.encrypts)
    logger.warn('SECRET_ENCRYPTION_KEY is not set: webhook secrets are stored unencrypted (set it; it is required with NODE_ENV=production)');
  const webhooks = new WebhookService({ db, pool: database.pool, eventTypes, secrets, allowPrivateDestinations: config.delivery.allowPrivateDestinations });
  const deliverer = new Deliverer({ timeoutMs: config.delivery.timeoutMs, allowPrivateDestinations: config.delivery.allowPrivateDestinations });
  const deliveries = new DeliveryQueue(redis, config.queuePrefix, config.delivery.retrySchedule);
  const fanOutStore = new FanOutStore(database.pool);
  const ingest = new EventIngestService(db, fanOutStore, new EventCatalog(db), deliveries, logger, schemas);
  const batches = new EventBatchIngestService(db, ingest, fanOutStore);
  const metrics = new Metrics();
  metrics.watchQueues([deliveries.queue]);
  // ping and resend are never held back by the caps, but their HTTP exchange counts while in flight
  const { gates, fair } = createFairScheduling(redis, deliveries, { prefix: config.queuePrefix, fleet: null, delivery: config.delivery, logger });
  // the worker's attempt path: resend and ping record, count and feed webhook health as scheduled attempts do
  const store = new DeliveryStore(database.pool);
  const attempts = createDeliveryAttempts(config, { db, store, deliverer, secrets, logger, observer: metrics, events: ingest, fair });
  const notifications = new NotificationService(database, deliveries, store, attempts, logger);

  const auth = new AuthService({ adminApiKey: config.api.adminApiKey, apiKeys, portalSessions });
  const app = createApp({
    logger,
    services: {
      auth,
      apiKeys: new ApiKeyService({ apiKeys, tenants, onRevoked: (keyId) => auth.forgetKey(keyId) }),
      eventTypes,
      webhooks,
    },
    metrics,
    routes: [
      ...eventRoutes(ingest, batches, { maxEventBytes: config.ingest.maxEventBytes }),
      ...notificationRoutes(notifications, webhooks),
      ...metricsRoutes(metrics),
      ...statsRoutes(new StatsService(database.pool, { inFlightMany: (ids) => gates.inFlightMany(ids), defaultCap: config.delivery.endpointMaxInFlight })),
      ...portalSessionRoutes(portal),
      ...dashboardRoutes(undefined, { frameAncestors: config.portal.frameAncestors }),
    ],
    readiness:
      options.readiness ??
      (async () => {
        const [database, redisUp] = await Promise.all([isDatabaseReachable(db), withTimeout(isRedisReachable(redis), 2000, false)]);
        return { database, redis: redisUp };
      }),
  });

  const server = app.listen(config.api.port);
  server.keepAliveTimeout = API_KEEP_ALIVE_TIMEOUT_MS;
  answerClientErrorsWithProblems(server);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  logger.info({ port }, 'api listening');

  return {
    server,
    url: `http://127.0.0.1:${port}`,
    async stop() {
      // stop accepting; in-flight requests get up to 10 s, then the rest are cut.
      // A keep-alive connection whose request just finished is closed at once
      // (answers sent from now on say `connection: close`, idle ones are swept).
      server.on('request', (_req, res) => res.setHeader('connection', 'close'));
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const sweep = setInterval(() => server.closeIdleConnections(), 100);
      const force = setTimeout(() => server.closeAllConnections(), 10_000);
      force.unref();
      await closed;
      clearInterval(sweep);
      clearTimeout(force);
      await deliveries.close();
      deliverer.close();
      await Promise.allSettled([database.close(), redis.quit()]);
    },
  };
}
