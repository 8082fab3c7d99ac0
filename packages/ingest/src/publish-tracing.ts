/**
 * The span of an event published over HTTP (`hookrelay.publish`, SERVER):
 * the root of the event's trace, or a child of the caller's span when the
 * request carried a W3C `traceparent`. While tracing is off this is
 * `publish()`.
 */
import { inSpan, SpanKind, SPAN_ATTRIBUTES, SPANS, tracingEnabled } from '@hookrelay/core';
import type { IngestResult } from './event-ingest-service.js';

export interface PublishTraceInput {
  tenant: string;
  type: string;
  /** the request's `traceparent` header, if any */
  traceparent: string | string[] | undefined;
  /** the route, e.g. /v1/events */
  route: string;
}

export function tracePublish(input: PublishTraceInput, publish: () => Promise<IngestResult>): Promise<IngestResult> {
  if (!tracingEnabled()) return publish();
  const attributes = {
    [SPAN_ATTRIBUTES.tenant]: input.tenant,
    [SPAN_ATTRIBUTES.eventType]: input.type,
    [SPAN_ATTRIBUTES.method]: 'POST',
    [SPAN_ATTRIBUTES.route]: input.route,
  };
  const parent = typeof input.traceparent === 'string' ? input.traceparent : undefined;
  return inSpan(SPANS.publish, { kind: SpanKind.SERVER, attributes, parent }, async (span) => {
    const result = await publish();
    span?.setAttributes({
      [SPAN_ATTRIBUTES.eventId]: result.event.id,
      [SPAN_ATTRIBUTES.notificationCount]: result.notificationIds.length,
      [SPAN_ATTRIBUTES.duplicate]: result.duplicate,
      [SPAN_ATTRIBUTES.statusCode]: result.duplicate ? 200 : 202,
    });
    return result;
  });
}
