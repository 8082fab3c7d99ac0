/**
 * One span per delivery attempt (scheduled, resend or ping), and the W3C
 * `traceparent` header that lets the receiver continue the trace. While
 * tracing is off `traceAttempt` is `send()`: no span, no header.
 */
import { currentTraceparent, inSpan, SpanKind, SpanStatusCode, SPAN_ATTRIBUTES, SPANS, tracingEnabled, type Span } from '@hookrelay/core';
import type { AttemptTrigger as RecordedTrigger } from '@hookrelay/db';
import type { DeliveryResult } from './deliverer.js';

/** What an attempt span names: the fields of a DeliveryContext (or a ping's equivalent). */
export interface AttemptSubject {
  tenantId: string | null;
  webhookId: string;
  /** the notification id (a ping's message id) */
  id: string;
  eventId: string;
  /** attempts recorded before this one */
  attemptCount: number;
  url: string;
}

/** What asked for an attempt: SPEC's recorded triggers (schedule, sendexpired, resend), and ping, which stores nothing. */
export type AttemptTrigger = RecordedTrigger | 'ping';

/**
 * Sends one attempt inside a CLIENT span, child of `parent` (the job's
 * traceparent: the event's fan-out; null or absent: a new trace; undefined:
 * the active span). The span's traceparent is added to `headers` before
 * `send` runs, so `send` must pass these headers on.
 */
export function traceAttempt(
  subject: AttemptSubject,
  trigger: AttemptTrigger,
  parent: string | null | undefined,
  headers: Record<string, string>,
  send: () => Promise<DeliveryResult>,
): Promise<DeliveryResult> {
  if (!tracingEnabled()) return send();
  return inSpan(SPANS.deliveryAttempt, { kind: SpanKind.CLIENT, parent, attributes: attemptAttributes(subject, trigger) }, async (span) => {
    const traceparent = currentTraceparent();
    if (traceparent) headers.traceparent = traceparent;
    const result = await send();
    if (span) recordResult(span, result);
    return result;
  });
}

function attemptAttributes(subject: AttemptSubject, trigger: AttemptTrigger) {
  let host: string | undefined;
  try {
    host = new URL(subject.url).hostname;
  } catch {
    host = undefined;
  }
  return {
    [SPAN_ATTRIBUTES.tenant]: subject.tenantId ?? undefined,
    [SPAN_ATTRIBUTES.webhookId]: subject.webhookId,
    [SPAN_ATTRIBUTES.notificationId]: subject.id,
    [SPAN_ATTRIBUTES.eventId]: subject.eventId,
    [SPAN_ATTRIBUTES.attemptNumber]: subject.attemptCount + 1,
    [SPAN_ATTRIBUTES.trigger]: trigger,
    [SPAN_ATTRIBUTES.method]: 'POST',
    // the host only: a webhook URL's path or query may hold a token
    [SPAN_ATTRIBUTES.serverAddress]: host,
  };
}

function recordResult(span: Span, result: DeliveryResult): void {
  span.setAttribute(SPAN_ATTRIBUTES.outcome, result.kind);
  if (result.statusCode !== null) span.setAttribute(SPAN_ATTRIBUTES.statusCode, result.statusCode);
  if (result.kind !== 'delivered') {
    span.setAttribute(
      SPAN_ATTRIBUTES.errorType,
      result.statusCode !== null ? String(result.statusCode) : result.kind === 'blocked' ? 'blocked_destination' : 'network',
    );
    span.setStatus({ code: SpanStatusCode.ERROR, message: result.error ?? `HTTP ${result.statusCode}` });
  }
}
