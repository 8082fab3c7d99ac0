/**
 * What a notification becomes after one scheduled attempt: a pure function
 * of the attempt's result, its place in the retry cycle and the schedule, so
 * that the rules SPEC states ("any 2xx = delivered; anything else retries
 * after the next RETRY_SCHEDULE delay; after the last attempt EXPIRED") can
 * be read and tested without a queue, a database or a receiver.
 */
import { delayAfterAttempt, totalAttempts, type RetrySchedule } from '@hookrelay/core';
import type { AttemptOutcome } from '@hookrelay/db';
import type { DeliveryResult } from './deliverer.js';

/** A 429/503 Retry-After is honoured up to this long; longer asks are capped (the schedule still applies). */
export const MAX_RETRY_AFTER_MS = 3600 * 1000;

export interface DecisionInput {
  result: Pick<DeliveryResult, 'kind' | 'retryAfterMs'>;
  /** 1-based number of this attempt within the current retry cycle */
  cycleAttempt: number;
  schedule: RetrySchedule;
  /** a 410 Gone stops the notification (only where webhook health is tracked) */
  goneCancels: boolean;
  now: number;
}

export function decideOutcome({ result, cycleAttempt, schedule, goneCancels, now }: DecisionInput): AttemptOutcome {
  if (result.kind === 'delivered') return { status: 'SUCCEEDED' };
  if (result.kind === 'gone' && goneCancels) return { status: 'CANCELLED' };
  const scheduled = delayAfterAttempt(schedule, cycleAttempt);
  if (scheduled === null || cycleAttempt >= totalAttempts(schedule)) return { status: 'EXPIRED' };
  // 429/503 with Retry-After: wait at least that long (capped), never less than the schedule says
  const retryAfter = result.kind === 'throttled' && result.retryAfterMs !== null ? Math.min(result.retryAfterMs, MAX_RETRY_AFTER_MS) : 0;
  return { status: 'PENDING', nextAttemptAt: new Date(now + Math.max(scheduled, retryAfter)) };
}
