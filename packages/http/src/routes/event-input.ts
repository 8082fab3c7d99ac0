/**
 * The checks of one published event that need no database, in one place for
 * POST /v1/events and every item of POST /v1/events:batch: its size
 * (MAX_EVENT_BYTES, 413), its shape (joi, 400 naming the field) and the
 * tenant the caller may act for (403). What needs the database (a known
 * type) follows in EventIngestService.newEvent, for both routes too.
 */
import { assertEventSize, publishEventSchema, validate } from '@hookrelay/core';
import { actingTenant, type BatchEvent, type EventInput, type Principal } from '@hookrelay/services';

export interface EventCheckContext {
  principal: Principal;
  /** the tenant named outside the event (the batch's `tenant`, or `?tenant=`), asked only when the event names none */
  tenant: () => string | undefined;
  maxEventBytes: number;
  /** how problems name the input: "request body" or "event 3" */
  what: string;
}

/** The event, ready for the ingest service, or a thrown 4xx HookrelayError. */
export function checkEvent(raw: unknown, context: EventCheckContext): BatchEvent {
  // the size first: it is cheap and bounds what the validation walks
  assertEventSize(raw, context.maxEventBytes);
  const { tenant, ...event } = validate<EventInput & { tenant?: string }>(publishEventSchema, raw, context.what);
  return { tenant: actingTenant(context.principal, tenant ?? context.tenant()), event };
}
