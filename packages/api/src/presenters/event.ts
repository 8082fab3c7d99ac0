/** Published events as POST /v1/events and POST /v1/events:batch answer them. */
import type { BatchOutcome, IngestResult } from '@hookrelay/ingest';
import { problemFor, type Problem } from '../middleware/problem.js';

export interface EventView {
  id: string;
  tenant: string;
  type: string;
  event_time: string;
  idempotency_key: string | null;
  ordering_key: string | null;
  created: string;
  duplicate: boolean;
  notification_ids: string[];
}

export function presentEvent(result: IngestResult): EventView {
  const e = result.event;
  return {
    id: e.id,
    tenant: e.tenantId,
    type: e.type,
    event_time: e.eventTime.toISOString(),
    idempotency_key: e.idempotencyKey,
    ordering_key: e.orderingKey ?? null,
    created: e.createdAt.toISOString(),
    duplicate: result.duplicate,
    notification_ids: result.notificationIds,
  };
}

export type BatchItemView =
  | { index: number; status: number; error: Problem }
  | { index: number; status: 200 | 202; id: string; notification_ids: string[]; duplicate: boolean };

/** One entry per event, in request order, whose `status` is what POST /v1/events would have answered. */
export function presentBatchResults(outcomes: readonly BatchOutcome[]): { results: BatchItemView[] } {
  return {
    results: outcomes.map((outcome, index): BatchItemView => {
      if (outcome.error) {
        const { status, message, errors } = outcome.error;
        return { index, status, error: problemFor(status, message, errors) };
      }
      const { event, notificationIds, duplicate } = outcome.result;
      return { index, status: duplicate ? 200 : 202, id: event.id, notification_ids: notificationIds, duplicate };
    }),
  };
}
