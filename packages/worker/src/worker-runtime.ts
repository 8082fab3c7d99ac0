/**
 * Builds and starts everything a worker process runs: the events and
 * deliveries BullMQ workers and the reconciler. Used by apps/worker and by
 * end-to-end tests, so both run exactly the same wiring.
 */
import type { Server } from 'node:http';
import { Queue, Worker } from 'bullmq';
import {
  createRedisConnection,
  QUEUES,
  SecretBox,
  type Config,
  type DeliveryJobData,
  type EventBatchJobData,
  type EventJobData,
  type Logger,
} from '@hookrelay/core';
import { createDatabase, DeliveryStore, EventTypesRepository, FanOutStore } from '@hookrelay/db';
import { Deliverer, createDeliveryAttempts, Metrics } from '@hookrelay/delivery';
import { deliveryBackoff, DeliveryProcessor } from './delivery-processor.js';
import { createFairScheduling, DeliveryQueue, FleetCapacity } from '@hookrelay/scheduling';
import { EventCatalog, EventSchemaValidator, EventIngestService } from '@hookrelay/ingest';
import { EventJobProcessor } from './event-job-processor.js';
import { startMetricsServer } from './metrics-server.js';
import { Reconciler } from './reconciler.js';
import { RetentionSweeper } from './retention-sweeper.js';
import { StatisticsRefresher } from './statistics-refresher.js';
import { OrderingGate } from './ordering-gate.js';
import { WebhookRateLimiter } from './rate-limiter.js';

export interface WorkerRuntime {
  reconciler: Reconciler;
  retention: RetentionSweeper;
  metrics: Metrics;
  /** the /metrics server, null when its port was taken */
  metricsServer: Server | null;
  deliveries: DeliveryQueue;
  /** stop taking jobs, wait for the active ones, close every connection */
  stop(): Promise<void>;
}

/**
 * A job's lock must outlive the slowest attempt (the HTTP timeout plus the
 * database writes around it), or BullMQ would take the job for stalled and
 * deliver it twice. BullMQ renews the lock every lockDuration/2 while the
 * job runs, so a live worker keeps its jobs; a dead one loses them after
 * lockDuration and another worker picks them up. The floor (10 s) keeps a
 * live worker's lock safe across event-loop or Redis hiccups of several
 * seconds even with a very short DELIVERY_TIMEOUT_MS; defaults (15 s
 * timeout) give 40 s.
 */
export function lockDurationFor(timeoutMs: number): number {
  return Math.max(10_000, timeoutMs * 2 + 10_000);
}

/**
 * How often a worker looks for jobs whose lock lapsed (a crashed worker's).
 * A job is taken back by the first check after its lock expired that finds
 * it already marked by the previous check, so a crashed worker's jobs are
 * running again within about lockDuration + 2 × stalledInterval.
 */
export function stalledIntervalFor(lockDurationMs: number): number {
  return Math.min(30_000, Math.max(2_000, Math.round(lockDurationMs / 4)));
}

export async function startWorkerRuntime(config: Config, logger: Logger): Promise<WorkerRuntime> {
  const concurrency = config.delivery.concurrency;
  // deliveries and fan-out share statements (DeliveryStore, FanOutStore), so a few connections serve any concurrency
  const database = createDatabase({ url: config.databaseUrl, poolSize: 10, logger });
  const db = database.prisma;
  const connection = createRedisConnection(config.redis);
  const deliverer = new Deliverer({ timeoutMs: config.delivery.timeoutMs, allowPrivateDestinations: config.delivery.allowPrivateDestinations });
  const deliveries = new DeliveryQueue(connection, config.queuePrefix, config.delivery.retrySchedule);
  const metrics = new Metrics();
  const schemas = new EventSchemaValidator(new EventTypesRepository(db));
  const ingest = new EventIngestService(db, new FanOutStore(database.pool), new EventCatalog(db), deliveries, logger, schemas);
  const eventProcessor = new EventJobProcessor(ingest, logger, (reason) => metrics.eventsRejected.inc({ reason }));
  const eventsQueue = new Queue(QUEUES.events, { connection, prefix: config.queuePrefix });
  metrics.watchQueues([eventsQueue, deliveries.queue]);
  const secrets = new SecretBox(config.secretEncryptionKey, config.previousSecretEncryptionKeys);
  const fleet = new FleetCapacity(connection, config.queuePrefix, concurrency);
  await fleet.start();
  const fairScheduling = createFairScheduling(connection, deliveries, { prefix: config.queuePrefix, fleet, delivery: config.delivery, logger, wakeups: true });
  const { fair } = fairScheduling;
  metrics.watchFairness(deliveries.queue, connection, config.queuePrefix);
  const store = new DeliveryStore(database.pool);
  const attempts = createDeliveryAttempts(config, { db, store, deliverer, secrets, logger, observer: metrics, events: ingest, fair });
  const deliveryProcessor = new DeliveryProcessor(db, store, attempts, logger, metrics, {
    rateLimiter: new WebhookRateLimiter(connection, config.queuePrefix),
    fair,
    ordering: new OrderingGate(db, connection, config.queuePrefix, fair, logger),
  });
  const reconciler = new Reconciler(db, deliveries, logger);
  const retention = new RetentionSweeper(database.pool, connection, { ...config.retention, queuePrefix: config.queuePrefix }, logger, metrics);
  const statistics = new StatisticsRefresher(database.pool, logger);

  const lockDuration = lockDurationFor(config.delivery.timeoutMs);
  const stalledInterval = stalledIntervalFor(lockDuration);
  const workerOptions = { connection, prefix: config.queuePrefix, lockDuration, stalledInterval, maxStalledCount: 5 };
  const eventWorker = new Worker<EventJobData | EventBatchJobData>(QUEUES.events, (job) => eventProcessor.process(job), {
    ...workerOptions,
    concurrency: Math.max(1, Math.min(concurrency, 20)),
  });
  const deliveryWorker = new Worker<DeliveryJobData>(QUEUES.deliveries, (job) => deliveryProcessor.process(job), {
    ...workerOptions,
    concurrency,
    settings: { backoffStrategy: deliveryBackoff },
  });
  for (const worker of [eventWorker, deliveryWorker]) {
    worker.on('error', (err) => logger.error({ err, queue: worker.name }, 'worker error'));
  }
  reconciler.start(config.delivery.reconcileIntervalMs);
  retention.start();
  statistics.start();
  const metricsServer = await startMetricsServer(metrics, config.worker.metricsPort, logger);
  await Promise.all([eventWorker.waitUntilReady(), deliveryWorker.waitUntilReady()]);
  logger.info({ queue_prefix: config.queuePrefix, concurrency, lock_duration_ms: lockDuration, stalled_interval_ms: stalledInterval }, 'worker ready');

  return {
    reconciler,
    retention,
    metrics,
    metricsServer,
    deliveries,
    async stop() {
      await Promise.all([eventWorker.close(), deliveryWorker.close()]);
      await reconciler.stop();
      await retention.stop();
      await statistics.stop();
      await fleet.stop();
      metricsServer?.close();
      await Promise.all([deliveries.close(), eventsQueue.close()]);
      deliverer.close();
      await database.close();
      await fairScheduling.close();
      await connection.quit().catch(() => connection.disconnect());
    },
  };
}
