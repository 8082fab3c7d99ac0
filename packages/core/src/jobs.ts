/**
 * The job catalog shared by the producer SDK, the API and the worker:
 * queue names and payload types. The wire format is documented in
 * docs/api.md so producers in other languages can publish too.
 */

export const QUEUES = {
  /** raw events published by producers, turned into notifications by the worker */
  events: 'events',
  /** one job per notification; its BullMQ job id is the notification id */
  deliveries: 'deliveries',
} as const;

export const EVENT_JOB_NAME = 'event';
/** many events in one job: what publishBatch sends (one Redis write and one job to run per batch instead of per event) */
export const EVENT_BATCH_JOB_NAME = 'event-batch';
/** most events in one batch job */
export const MAX_EVENTS_PER_BATCH_JOB = 1000;
export const DELIVERY_JOB_NAME = 'deliver';

/** An event as published into Redis (same fields as POST /v1/events, plus tenant). */
export interface EventJobData {
  id: string;
  tenant: string;
  type: string;
  resource: unknown;
  changed_fields?: unknown;
  event_time?: string;
  idempotency_key?: string;
  /** W3C trace context of the publish, set by the SDK when the publisher traces (see docs/tracing.md) */
  traceparent?: string;
  /** on ordered webhooks, notifications sharing it are attempted in publish order */
  ordering_key?: string;
}

/** A batch job: each event is ingested as if it came in its own job (its own id, same checks). */
export interface EventBatchJobData {
  events: EventJobData[];
}

/** A delivery job carries ids only; the worker reloads the rest from Postgres. */
export interface DeliveryJobData {
  notificationId: string;
  /** W3C trace context of the event's fan-out, only while tracing is on; absent = the attempt starts a new trace */
  traceparent?: string;
  /** a first attempt's scheduling flow (its webhook id), whose backlog count it holds until the attempt is made */
  flow?: string;
}

/**
 * Bounded retention so Redis memory stays flat. Only the last attempt's stack
 * trace is kept on a job: the attempts themselves are recorded in Postgres,
 * and BullMQ would otherwise keep one stack per attempt (most of an expired
 * job's size).
 */
export const EVENT_JOB_RETENTION = {
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600, count: 10000 },
  stackTraceLimit: 1,
} as const;

export const DELIVERY_JOB_RETENTION = {
  removeOnComplete: true,
  removeOnFail: { age: 30 * 24 * 3600, count: 100000 },
  stackTraceLimit: 1,
} as const;
