/**
 * Prometheus metrics (prom-client), one registry per process. The API
 * records requests; both record the delivery attempts they make (the worker
 * its scheduled ones, the API resend and ping) labelled by trigger; both
 * expose queue depth, read from Redis at scrape time.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Queue } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import type { DeliveryObserver, ObservedAttempt } from './delivery-attempt.js';
import { registerFairMetrics } from '@hookrelay/scheduling';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const LAG_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600];
const JOB_STATES = ['waiting', 'active', 'delayed', 'failed', 'prioritized'] as const;

export class Metrics implements DeliveryObserver {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: 'hookrelay_http_requests_total',
    help: 'API requests by route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'hookrelay_http_request_duration_seconds',
    help: 'API request latency',
    labelNames: ['method', 'route'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly attempts = new Counter({
    name: 'hookrelay_delivery_attempts_total',
    help: 'Delivery attempts by result (delivered, retryable, blocked, gone, throttled) and trigger (schedule, sendexpired, resend, ping)',
    labelNames: ['result', 'trigger'],
    registers: [this.registry],
  });
  readonly outcomes = new Counter({
    name: 'hookrelay_deliveries_total',
    help: 'Notification state after each attempt on a notification (SUCCEEDED, PENDING = will retry, EXPIRED, CANCELLED; a failed resend: the status it kept), by trigger',
    labelNames: ['outcome', 'trigger'],
    registers: [this.registry],
  });
  readonly attemptDuration = new Histogram({
    name: 'hookrelay_delivery_attempt_duration_seconds',
    help: 'HTTP attempt latency',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly lag = new Histogram({
    name: 'hookrelay_delivery_lag_seconds',
    help: 'Delay between when an attempt was due and when it started',
    buckets: LAG_BUCKETS,
    registers: [this.registry],
  });
  readonly expired = new Counter({
    name: 'hookrelay_notifications_expired_total',
    help: 'Notifications that exhausted their retry schedule',
    registers: [this.registry],
  });
  readonly eventsRejected = new Counter({
    name: 'hookrelay_events_rejected_total',
    help: "Events from the events queue (SDK) rejected, by reason (schema = refused by its event type's JSON Schema, invalid = malformed or unknown type)",
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly cancelled = new Counter({
    name: 'hookrelay_notifications_cancelled_total',
    help: 'Notifications cancelled because their webhook was deleted or disabled',
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'hookrelay_' });
  }

  /** Reports the job counts of `queues` at every scrape. */
  watchQueues(queues: readonly Queue[]): void {
    new Gauge({
      name: 'hookrelay_queue_jobs',
      help: 'Jobs per queue and state',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      async collect() {
        for (const queue of queues) {
          const counts = await queue.getJobCounts(...JOB_STATES).catch(() => null);
          if (!counts) continue;
          for (const state of JOB_STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
        }
      },
    });
  }

  /** In-flight leases, parked jobs, first-attempt vs retry depth (fair-metrics.ts). */
  watchFairness(queue: Queue, redis: Redis | Cluster, prefix: string): void {
    registerFairMetrics(this.registry, queue, redis, prefix);
  }

  attempted({ trigger, result, status, dueAt, startedAt }: ObservedAttempt): void {
    this.attempts.inc({ result: result.kind, trigger });
    if (status) this.outcomes.inc({ outcome: status, trigger });
    this.attemptDuration.observe(result.durationMs / 1000);
    if (dueAt) this.lag.observe(Math.max(0, startedAt.getTime() - dueAt.getTime()) / 1000);
    // only a scheduled attempt moves a notification to EXPIRED (a failed resend of an EXPIRED one leaves it so)
    if (status === 'EXPIRED' && (trigger === 'schedule' || trigger === 'sendexpired')) this.expired.inc();
  }

  cancelledOne(): void {
    this.cancelled.inc();
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
