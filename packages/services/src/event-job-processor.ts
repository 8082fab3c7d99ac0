/**
 * Consumes events that producers published straight into Redis. A job that
 * is malformed or names an unknown type is rejected: it fails without retry
 * and stays in the failed set, visible, with the reason logged.
 */
import { UnrecoverableError, type Job } from 'bullmq';
import { eventJobSchema, HookrelayError, validate, type EventJobData, type Logger } from '@hookrelay/core';
import type { EventIngestService } from './event-ingest-service.js';

export class EventJobProcessor {
  constructor(
    private readonly ingest: EventIngestService,
    private readonly logger: Logger,
  ) {}

  async process(job: Job<EventJobData>): Promise<{ event_id: string; notifications: number }> {
    let data: EventJobData;
    try {
      data = validate<EventJobData>(eventJobSchema, job.data, 'event job');
    } catch (error) {
      return this.reject(job, error);
    }
    try {
      const { tenant, id, ...event } = data;
      const result = await this.ingest.ingest(tenant, event, id);
      this.logger.info(
        { tenant, event_id: result.event.id, type: data.type, notifications: result.notificationIds.length, duplicate: result.duplicate },
        'event ingested from redis',
      );
      return { event_id: result.event.id, notifications: result.notificationIds.length };
    } catch (error) {
      // a client error (unknown type) will not get better by retrying
      if (error instanceof HookrelayError && error.status < 500) return this.reject(job, error);
      throw error;
    }
  }

  private reject(job: Job<EventJobData>, error: unknown): never {
    const message = error instanceof Error ? error.message : String(error);
    this.logger.warn({ job_id: job.id, tenant: (job.data as Partial<EventJobData>)?.tenant, reason: message }, 'event job rejected');
    throw new UnrecoverableError(`rejected: ${message}`);
  }
}
