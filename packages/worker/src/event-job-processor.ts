/**
 * Consumes events that producers published straight into Redis, one per job
 * (`event`) or many per job (`event-batch`, what publishBatch sends). A job
 * that is malformed or names an unknown type is rejected: it fails without
 * retry and stays in the failed set, visible, with the reason logged. In a
 * batch, a bad event is rejected on its own (logged, listed in the job's
 * result) and the others go ahead. Any other failure (Postgres unreachable)
 * postpones the job with a growing backoff, however long the outage: an
 * event job carries the only copy of its event.
 */
import { UnrecoverableError, type Job } from 'bullmq';
import {
  continueTrace,
  EVENT_BATCH_JOB_NAME,
  eventBatchJobSchema,
  eventJobSchema,
  HookrelayError,
  validate,
  type EventBatchJobData,
  type EventJobData,
  type Logger,
} from '@hookrelay/core';
import { type EventIngestService, SchemaValidationError } from '@hookrelay/ingest';
import { Postponer } from './postponer.js';

/** Told of every rejected event (hookrelay_events_rejected_total). */
export type RejectionObserver = (reason: 'schema' | 'invalid') => void;

function rejectionReason(error: unknown): 'schema' | 'invalid' {
  return error instanceof SchemaValidationError ? 'schema' : 'invalid';
}

export interface EventJobResult {
  event_id: string;
  notifications: number;
}

export interface EventBatchJobResult {
  events: number;
  notifications: number;
  rejected: { index: number; id: string | null; reason: string }[];
}

/** A client error (bad event, unknown type) that retrying will not cure. */
function isRejection(error: unknown): boolean {
  return error instanceof HookrelayError && error.status < 500;
}

export class EventJobProcessor {
  private readonly postponer: Postponer;

  constructor(
    private readonly ingest: EventIngestService,
    private readonly logger: Logger,
    private readonly onRejected: RejectionObserver = () => {},
  ) {
    this.postponer = new Postponer(logger, 'event job postponed: infrastructure error');
  }

  process(job: Job<EventJobData | EventBatchJobData>): Promise<EventJobResult | EventBatchJobResult> {
    return job.name === EVENT_BATCH_JOB_NAME ? this.processBatch(job as Job<EventBatchJobData>) : this.processOne(job as Job<EventJobData>);
  }

  private async processOne(job: Job<EventJobData>): Promise<EventJobResult> {
    let data: EventJobData;
    try {
      data = validate<EventJobData>(eventJobSchema, job.data, 'event job');
    } catch (error) {
      return this.reject(job, error);
    }
    try {
      const result = await this.ingestOne(data);
      this.postponer.succeeded(data.id);
      return result;
    } catch (error) {
      if (isRejection(error)) return this.reject(job, error);
      return this.postponer.postpone(job, data.id, error, { job_id: job.id, event_id: data.id });
    }
  }

  /**
   * The batch's events are ingested concurrently, so they share fan-out
   * statements and addBulk calls. If any fails for an infrastructure reason
   * the job is postponed and runs again whole; the events already saved are
   * recognised by their ids and not fanned out twice.
   */
  private async processBatch(job: Job<EventBatchJobData>): Promise<EventBatchJobResult> {
    let batch: EventBatchJobData;
    try {
      batch = validate<EventBatchJobData>(eventBatchJobSchema, job.data, 'event batch job');
    } catch (error) {
      return this.reject(job, error);
    }
    const rejected: EventBatchJobResult['rejected'] = [];
    const outcomes = await Promise.allSettled(
      batch.events.map((raw, index) => {
        let data: EventJobData;
        try {
          data = validate<EventJobData>(eventJobSchema, raw, `event ${index} of the batch`);
        } catch (error) {
          return Promise.reject(error);
        }
        return this.ingestOne(data);
      }),
    );
    let notifications = 0;
    let failure: unknown = null;
    outcomes.forEach((outcome, index) => {
      if (outcome.status === 'fulfilled') notifications += outcome.value.notifications;
      else if (isRejection(outcome.reason)) {
        const id = (batch.events[index] as Partial<EventJobData>)?.id;
        rejected.push({ index, id: typeof id === 'string' ? id : null, reason: (outcome.reason as Error).message });
        this.onRejected(rejectionReason(outcome.reason));
      } else failure ??= outcome.reason;
    });
    if (rejected.length) {
      this.logger.warn({ job_id: job.id, rejected: rejected.length, first: rejected[0] }, 'events of a batch job rejected');
    }
    const key = String(job.id);
    if (failure) return this.postponer.postpone(job, key, failure, { job_id: job.id, events: batch.events.length });
    this.postponer.succeeded(key);
    return { events: batch.events.length - rejected.length, notifications, rejected };
  }

  private async ingestOne(data: EventJobData): Promise<EventJobResult> {
    const { tenant, id, traceparent, ...event } = data;
    // the fan-out continues the trace of the publish (SDK), or starts the event's trace
    const result = await continueTrace(traceparent, () => this.ingest.ingest(tenant, event, id));
    this.logger.info(
      { tenant, event_id: result.event.id, type: data.type, notifications: result.notificationIds.length, duplicate: result.duplicate },
      'event ingested from redis',
    );
    return { event_id: result.event.id, notifications: result.notificationIds.length };
  }

  private reject(job: Job<EventJobData | EventBatchJobData>, error: unknown): never {
    const message = error instanceof Error ? error.message : String(error);
    this.onRejected(rejectionReason(error));
    this.logger.warn(
      { job_id: job.id, tenant: (job.data as Partial<EventJobData>)?.tenant, reason: message, rejected_by: rejectionReason(error) },
      'event job rejected',
    );
    throw new UnrecoverableError(`rejected: ${message}`);
  }
}
