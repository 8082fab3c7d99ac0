/**
 * The checks of one published event that need no database, in one place for
 * POST /v1/events and every item of POST /v1/events:batch: its size
 * (MAX_EVENT_BYTES, 413) and its shape (joi, 400 naming the field). The
 * tenant it may act for (403) is the tenant rule's (route-definition.ts);
 * what needs the database (a known type) follows in
 * EventIngestService.newEvent, for both routes too.
 */
import { assertEventSize, publishEventBatchEnvelopeSchema, publishEventSchema, validate } from '@hookrelay/core';
import type { EventInput } from '@hookrelay/ingest';
import type { Tenanted } from '../route-definition.js';

/** The event, or a thrown 4xx HookrelayError; `what` names it in problems ("request body", "event 3"). */
export function readEvent(raw: unknown, maxEventBytes: number, what: string): Tenanted<EventInput> {
  // the size first: it is cheap and bounds what the validation walks
  assertEventSize(raw, maxEventBytes);
  return validate<Tenanted<EventInput>>(publishEventSchema, raw, what);
}

/**
 * The envelope alone, its events left to the per-event checks: the values
 * they hold (a NUL, a 70-level nesting) refuse that event, not the batch.
 */
export function readBatchEnvelope(body: unknown): Tenanted<{ events: unknown[] }> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return validate(publishEventBatchEnvelopeSchema, body ?? {});
  }
  const events = (body as { events?: unknown }).events;
  const shallow = { ...body, events: Array.isArray(events) ? events.map(() => null) : events };
  validate(publishEventBatchEnvelopeSchema, shallow);
  return { tenant: (body as { tenant?: string }).tenant, events: events as unknown[] };
}
