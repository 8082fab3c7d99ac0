/**
 * Puts a job back for later when the infrastructure around it failed
 * (Postgres unreachable, say): the job moves to delayed with a capped,
 * growing backoff instead of failing, so it uses up neither a BullMQ attempt
 * nor anything of the notification's schedule, and runs again once the
 * database answers. Shared by the delivery and the event processors.
 */
import { DelayedError, type Job } from 'bullmq';
import type { Logger } from '@hookrelay/core';

/** Backoff after consecutive infrastructure failures of one job: 0.5 s doubling, capped at 30 s, ±20 % jitter. */
export function infrastructureBackoff(failures: number, baseMs = 500, capMs = 30_000): number {
  const delay = Math.min(capMs, baseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(delay * (0.8 + Math.random() * 0.4));
}

const MAX_TRACKED_FAILURES = 10_000;

export class Postponer {
  /** consecutive infrastructure failures per key (this process only) */
  private readonly failures = new Map<string, number>();

  constructor(
    private readonly logger: Logger,
    /** the log line written for each postponement */
    private readonly message: string,
  ) {}

  /** The job with this key went through: its backoff starts over next time. */
  succeeded(key: string): void {
    this.failures.delete(key);
  }

  /**
   * Moves the job back to delayed and throws BullMQ's DelayedError (the job
   * is neither completed nor failed). Without a lock token (a job not run by
   * a Worker), or when Redis refuses the move too, rethrows `cause` so BullMQ
   * retries or fails the job as usual.
   */
  async postpone(job: Job, key: string, cause: unknown, fields: Record<string, unknown> = {}): Promise<never> {
    if (job.token === undefined) throw cause;
    const failures = (this.failures.get(key) ?? 0) + 1;
    if (this.failures.size >= MAX_TRACKED_FAILURES) this.failures.clear();
    this.failures.set(key, failures);
    const delayMs = infrastructureBackoff(failures);
    this.logger.warn({ err: cause, ...fields, failures, retry_in_ms: delayMs }, this.message);
    try {
      await job.moveToDelayed(Date.now() + delayMs, job.token);
    } catch (moveError) {
      // Redis is in trouble too: BullMQ fails/retries the job as usual
      this.logger.error({ err: moveError, ...fields }, 'could not postpone the job');
      throw cause;
    }
    throw new DelayedError(`postponed ${delayMs} ms after an infrastructure error (${cause instanceof Error ? cause.message : String(cause)})`);
  }
}
