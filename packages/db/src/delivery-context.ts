/**
 * What one delivery attempt works with: the notification with everything
 * its delivery needs (loaded by DeliveryStore), the record of an attempt,
 * and what the notification becomes after it. Shared by DeliveryStore and
 * the services' attempt path; it imports no store, so neither imports the other.
 */
import type { AttemptTrigger, NotificationStatus } from './generated/prisma/enums.js';

export interface DeliveryContext {
  id: string;
  tenantId: string;
  status: NotificationStatus;
  attemptCount: number;
  cycleAttempts: number;
  cycleTrigger: AttemptTrigger;
  nextAttemptAt: Date | null;
  type: string;
  eventId: string;
  eventTime: Date;
  resource: string | null;
  changedFields: string | null;
  webhookId: string;
  url: string;
  metadata: unknown;
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
  rateLimit: number | null;
  /** null: ENDPOINT_MAX_IN_FLIGHT */
  maxInFlight: number | null;
  /** set on notifications of ordered webhooks whose event had an ordering_key */
  orderingKey: string | null;
  /** publish sequence (bigint as text) */
  orderSeq: string | null;
  webhookEnabled: boolean;
  webhookDeleted: boolean;
  failingSince: Date | null;
  /** the webhook's extra headers as stored (values sealed) */
  headers: unknown;
  /** the webhook's credentials as stored (secret sealed) */
  auth: unknown;
}

export interface AttemptRecord {
  notificationId: string;
  attemptNumber: number;
  attemptedAt: Date;
  durationMs: number;
  statusCode: number | null;
  responseBody: string | null;
  error: string | null;
  trigger: AttemptTrigger;
}

/** The record of attempt number `ctx.attemptCount + 1` made at `attemptedAt`, from what the deliverer saw. */
export function attemptRecord(
  ctx: { id: string; attemptCount: number },
  result: { durationMs: number; statusCode: number | null; responseBody: string | null; error: string | null },
  attemptedAt: Date,
  trigger: AttemptTrigger,
): AttemptRecord {
  const { durationMs, statusCode, responseBody, error } = result;
  return { notificationId: ctx.id, attemptNumber: ctx.attemptCount + 1, attemptedAt, durationMs, statusCode, responseBody, error, trigger };
}

/** What the notification becomes after an attempt. */
export type AttemptOutcome =
  | { status: 'SUCCEEDED' }
  | { status: 'PENDING'; nextAttemptAt: Date }
  | { status: 'EXPIRED' }
  /** the endpoint is gone (410): the webhook is disabled and this notification stops */
  | { status: 'CANCELLED' };
