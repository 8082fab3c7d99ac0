// Stub of packages/core/dist/tracing.js for the "without tracing" variant
// (build.mjs): the same exports, no OpenTelemetry, every helper a
// pass-through. The constants are copies; the tracing phase checks the
// export names and the constants against the real module before it runs.
export const SpanKind = { INTERNAL: 0, SERVER: 1, CLIENT: 2, PRODUCER: 3, CONSUMER: 4 };
export const SpanStatusCode = { UNSET: 0, OK: 1, ERROR: 2 };
export const TRACER_NAME = 'hookrelay';
export const SPANS = {
  publish: 'hookrelay.publish',
  publishBatch: 'hookrelay.publish_batch',
  fanOut: 'hookrelay.fan_out',
  deliveryAttempt: 'hookrelay.delivery_attempt',
};
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
};

export const tracingEnabled = () => false;
export const setTracingEnabled = () => {};
export const traceparentOf = () => undefined;
export const currentTraceparent = () => undefined;
export const contextFromTraceparent = () => undefined;
export const continueTrace = (_traceparent, fn) => fn();
export const inSpan = (_name, _options, fn) => fn(undefined);
export const markFailed = () => {};
export const withProducerSpan = (_name, _attributes, fn) => fn(undefined);
