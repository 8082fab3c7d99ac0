/**
 * Tracing helpers over the OpenTelemetry API alone: no SDK here (startTracing
 * loads it, only when an OTLP endpoint is configured), so the CLI and the
 * producer SDK stay light. While tracing is off every helper returns after
 * one boolean check: no span, no context switch, no traceparent.
 *
 * One trace per event: publish (HTTP or SDK) → fan-out → every delivery
 * attempt. Between processes the W3C `traceparent` travels in the job data.
 */
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';

export { SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api';

export const TRACER_NAME = 'hookrelay';

/** Span names (documented in docs/tracing.md). */
export const SPANS = {
  /** POST /v1/events (SERVER) or the producer SDK's publish (PRODUCER) */
  publish: 'hookrelay.publish',
  /** the producer SDK's publishBatch (PRODUCER): its events share this trace */
  publishBatch: 'hookrelay.publish_batch',
  /** the event and its notifications saved, their deliveries queued (API or worker) */
  fanOut: 'hookrelay.fan_out',
  /** one HTTP attempt to a webhook (CLIENT): scheduled, resend or ping */
  deliveryAttempt: 'hookrelay.delivery_attempt',
} as const;

/** Span attribute names (documented in docs/tracing.md). */
export const SPAN_ATTRIBUTES = {
  tenant: 'hookrelay.tenant',
  eventId: 'hookrelay.event_id',
  eventType: 'hookrelay.event_type',
  webhookId: 'hookrelay.webhook_id',
  notificationId: 'hookrelay.notification_id',
  notificationCount: 'hookrelay.notification_count',
  eventCount: 'hookrelay.event_count',
  duplicate: 'hookrelay.duplicate',
  attemptNumber: 'hookrelay.attempt_number',
  trigger: 'hookrelay.trigger',
  outcome: 'hookrelay.outcome',
  statusCode: 'http.response.status_code',
  method: 'http.request.method',
  route: 'http.route',
  serverAddress: 'server.address',
  errorType: 'error.type',
} as const;

let tracer: Tracer | null = null;

/** True once startTracing has registered an SDK with an exporter. */
export function tracingEnabled(): boolean {
  return tracer !== null;
}

/** Called by startTracing (on) and its shutdown (off). */
export function setTracingEnabled(on: boolean): void {
  tracer = on ? trace.getTracer(TRACER_NAME) : null;
}

/** The W3C traceparent of a context, through the registered propagator (W3C trace context once tracing is on). */
export function traceparentOf(ctx: Context): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier.traceparent;
}

/** The active span's traceparent, to put in a job; undefined while tracing is off. */
export function currentTraceparent(): string | undefined {
  return tracer ? traceparentOf(context.active()) : undefined;
}

/** A context continuing `traceparent`; the root context (a new trace) when there is none or it is malformed. */
export function contextFromTraceparent(traceparent: string | undefined): Context {
  return traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent }) : ROOT_CONTEXT;
}

/**
 * Runs `fn` with `traceparent` (from a job) as the active remote parent, so
 * the spans `fn` starts continue that trace; without one they start a new
 * trace. While tracing is off this is `fn()`.
 */
export function continueTrace<T>(traceparent: string | undefined, fn: () => Promise<T>): Promise<T> {
  return tracer ? context.with(contextFromTraceparent(traceparent), fn) : fn();
}

export interface InSpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /**
   * undefined: a child of the active span. A traceparent (from a job or a
   * request): a child of that remote span. null: a new trace.
   */
  parent?: string | null;
}

/**
 * Runs `fn` in a new span, active for everything `fn` awaits; the span ends
 * when `fn` settles, and an exception marks it failed. While tracing is off
 * this is `fn(undefined)`.
 */
export function inSpan<T>(name: string, options: InSpanOptions, fn: (span: Span | undefined) => Promise<T>): Promise<T> {
  return tracer ? runInSpan(tracer, name, options, fn) : fn(undefined);
}

async function runInSpan<T>(active: Tracer, name: string, options: InSpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  const parent = options.parent === undefined ? context.active() : contextFromTraceparent(options.parent ?? undefined);
  const span = active.startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (error) {
    markFailed(span, error);
    throw error;
  } finally {
    span.end();
  }
}

export function markFailed(span: Span, error: unknown): void {
  const e = error instanceof Error ? error : new Error(String(error));
  span.recordException(e);
  span.setAttribute(SPAN_ATTRIBUTES.errorType, e.name);
  span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
}

/**
 * For the producer SDK, in the application's process: a PRODUCER span from
 * the application's own OpenTelemetry setup (the global tracer: a no-op when
 * the application has none) and its traceparent for the job. Without an SDK
 * and propagator in the application, `fn` gets no traceparent and the
 * worker starts the event's trace at fan-out.
 */
export async function withProducerSpan<T>(name: string, attributes: Attributes, fn: (traceparent: string | undefined) => Promise<T>): Promise<T> {
  const parent = context.active();
  const span = trace.getTracer(TRACER_NAME).startSpan(name, { kind: SpanKind.PRODUCER, attributes }, parent);
  try {
    return await fn(traceparentOf(trace.setSpan(parent, span)));
  } catch (error) {
    markFailed(span, error);
    throw error;
  } finally {
    span.end();
  }
}
