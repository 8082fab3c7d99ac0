/**
 * OpenTelemetry end to end: the real API and worker processes export to a
 * real OTLP/HTTP receiver started here (JSON decoded), and a real webhook
 * receiver records the `traceparent` each delivery carries. One event's
 * publish, fan-out and every attempt (a failed one and its retry) share one
 * trace, over HTTP and through the producer SDK; with tracing unset nothing
 * is sent.
 */
import { propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { createProducer } from '@hookrelay/producer';
import { testQueuePrefix, testRedisUrl, uniqueTenant } from '../support/env.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.js';
import { startApiProcess, startWorkerProcess, type AppProcess } from '../support/processes.js';
import { startReceiver, type ReceivedRequest, type Receiver } from '../support/receiver.js';
import { ADMIN_KEY } from '../support/stack.js';

/** OTLP span kinds (the JSON encoding counts from 1) */
const KIND = { server: 2, client: 3, producer: 4 };
const ERROR = 2;

interface Deployment {
  url: string;
  queuePrefix: string;
  processes: AppProcess[];
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
}

async function deploy(env: Record<string, string>): Promise<Deployment> {
  const common = { QUEUE_PREFIX: testQueuePrefix(), ADMIN_API_KEY: ADMIN_KEY, RETRY_SCHEDULE: '1,1', DELIVERY_TIMEOUT_MS: '5000', ...env };
  const [worker, api] = await Promise.all([startWorkerProcess(common), startApiProcess(common)]);
  return {
    url: api.url,
    queuePrefix: common.QUEUE_PREFIX,
    processes: [api.app, worker],
    async call(method, path, body, headers = {}) {
      const response = await fetch(`${api.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null };
    },
  };
}

/** `00-<trace id>-<span id>-<flags>` */
function parseTraceparent(header: string | string[] | undefined): { traceId: string; spanId: string } {
  const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/.exec(String(header));
  if (!match) throw new Error(`not a W3C traceparent: ${String(header)}`);
  return { traceId: match[1], spanId: match[2] };
}

const bodyOf = (r: ReceivedRequest) => JSON.parse(r.body) as { event_id: string; notification_id: string; type: string };
const attemptsOf = (spans: ReceivedSpan[], notificationId: string) =>
  spans
    .filter((s) => s.name === 'hookrelay.delivery_attempt' && s.attributes['hookrelay.notification_id'] === notificationId)
    .sort((a, b) => Number(a.attributes['hookrelay.attempt_number']) - Number(b.attributes['hookrelay.attempt_number']));

let otlp: OtlpReceiver;
let receiver: Receiver;
let traced: Deployment;

beforeAll(async () => {
  otlp = await startOtlpReceiver();
  // the first attempt of every TRANSACTION.* notification fails with 500; its retry succeeds
  const seen = new Set<string>();
  receiver = await startReceiver((request) => {
    const body = bodyOf(request);
    if (!body.type.startsWith('TRANSACTION.') || seen.has(body.notification_id)) return { status: 200 };
    seen.add(body.notification_id);
    return { status: 500, body: 'try again' };
  });
  traced = await deploy({ OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint, OTEL_BSP_SCHEDULE_DELAY: '100' });
}, 120_000);

afterAll(async () => {
  await Promise.all((traced?.processes ?? []).map((p) => p.kill()));
  await receiver?.close();
  await otlp?.close();
}, 60_000);

test('an HTTP publish, its fan-out and every attempt (failed, then retried) share one trace; the receiver sees it in traceparent', async () => {
  const tenant = uniqueTenant('trace');
  const webhook = await traced.call('POST', '/v1/webhooks', { tenant, url: receiver.url, enabled_events: ['TRANSACTION.*'], is_enabled: true });
  expect(webhook.status).toBe(201);
  const published = await traced.call('POST', '/v1/events', { tenant, type: 'TRANSACTION.CREATED', resource: { amount: 1 } });
  expect(published.status).toBe(202);
  const eventId: string = published.body.id;
  const [notificationId] = published.body.notification_ids as string[];

  const deliveries = await receiver.waitFor(2, { timeoutMs: 45_000, filter: (r) => bodyOf(r).event_id === eventId });
  const spans = await otlp.waitForSpans(
    (all) => attemptsOf(all, notificationId).length >= 2 && all.some((s) => s.name === 'hookrelay.publish' && s.attributes['hookrelay.event_id'] === eventId),
  );

  const publish = spans.find((s) => s.name === 'hookrelay.publish' && s.attributes['hookrelay.event_id'] === eventId)!;
  const fanOut = spans.find((s) => s.name === 'hookrelay.fan_out' && s.attributes['hookrelay.event_id'] === eventId)!;
  expect(publish).toMatchObject({ service: 'hookrelay-api', kind: KIND.server, parentSpanId: null });
  expect(publish.attributes).toMatchObject({
    'hookrelay.tenant': tenant,
    'hookrelay.event_type': 'TRANSACTION.CREATED',
    'http.route': '/v1/events',
    'http.response.status_code': 202,
  });
  expect(fanOut).toMatchObject({ service: 'hookrelay-api', traceId: publish.traceId, parentSpanId: publish.spanId });
  expect(fanOut.attributes).toMatchObject({ 'hookrelay.tenant': tenant, 'hookrelay.notification_count': 1 });

  const attempts = attemptsOf(spans, notificationId);
  expect(attempts).toHaveLength(2);
  attempts.forEach((attempt, i) => {
    expect(attempt).toMatchObject({ service: 'hookrelay-worker', kind: KIND.client, traceId: publish.traceId, parentSpanId: fanOut.spanId });
    expect(attempt.attributes).toMatchObject({
      'hookrelay.tenant': tenant,
      'hookrelay.webhook_id': webhook.body.id,
      'hookrelay.notification_id': notificationId,
      'hookrelay.event_id': eventId,
      'hookrelay.attempt_number': i + 1,
      'hookrelay.trigger': 'schedule',
      'http.response.status_code': i === 0 ? 500 : 200,
    });
  });
  expect(attempts[0].statusCode).toBe(ERROR);
  expect(attempts[1].statusCode).not.toBe(ERROR);

  // each request carried the trace, with its own attempt span as the parent
  const sent = deliveries.map((d) => parseTraceparent(d.headers.traceparent));
  expect(sent.map((t) => t.traceId)).toEqual([publish.traceId, publish.traceId]);
  expect(sent.map((t) => t.spanId)).toEqual(attempts.map((a) => a.spanId));
}, 120_000);

test('a caller traceparent on POST /v1/events is continued; a ping carries a traceparent of its own attempt span', async () => {
  const tenant = uniqueTenant('trace');
  const webhook = await traced.call('POST', '/v1/webhooks', { tenant, url: receiver.url, enabled_events: ['CARD.*'], is_enabled: true });
  const callerTrace = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
  const callerSpan = '0123456789abcdef';
  const published = await traced.call(
    'POST',
    '/v1/events',
    { tenant, type: 'CARD.CREATED', resource: {} },
    { traceparent: `00-${callerTrace}-${callerSpan}-01` },
  );
  expect(published.status).toBe(202);
  const [delivery] = await receiver.waitFor(1, { filter: (r) => bodyOf(r).event_id === published.body.id });
  expect(parseTraceparent(delivery.headers.traceparent).traceId).toBe(callerTrace);
  const spans = await otlp.waitForSpans((all) => all.some((s) => s.name === 'hookrelay.publish' && s.traceId === callerTrace));
  expect(spans.find((s) => s.name === 'hookrelay.publish' && s.traceId === callerTrace)?.parentSpanId).toBe(callerSpan);

  // a malformed traceparent is ignored: the event gets a trace of its own
  const garbled = await traced.call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: {} }, { traceparent: 'zz-not-a-trace-context' });
  expect(garbled.status).toBe(202);
  const [garbledDelivery] = await receiver.waitFor(1, { filter: (r) => bodyOf(r).event_id === garbled.body.id });
  expect(parseTraceparent(garbledDelivery.headers.traceparent).traceId).not.toBe(callerTrace);

  const ping = await traced.call('POST', `/v1/webhooks/${webhook.body.id}:ping`, {});
  expect(ping.body).toMatchObject({ success: true, status_code: 200 });
  const [pinged] = await receiver.waitFor(1, { filter: (r) => bodyOf(r).type === 'WEBHOOK.PING' && JSON.parse(r.body).webhook_id === webhook.body.id });
  const sent = parseTraceparent(pinged.headers.traceparent);
  const [attempt] = (await otlp.waitForSpans((all) => all.some((s) => s.spanId === sent.spanId))).filter((s) => s.spanId === sent.spanId);
  expect(attempt).toMatchObject({ name: 'hookrelay.delivery_attempt', service: 'hookrelay-api', traceId: sent.traceId });
  expect(attempt.attributes).toMatchObject({
    'hookrelay.trigger': 'ping',
    'hookrelay.webhook_id': webhook.body.id,
    'http.response.status_code': 200,
    'hookrelay.attempt_number': 1,
  });
}, 60_000);

test('through the producer SDK: the traceparent travels in the job; publish, fan-out and attempts share one trace', async () => {
  // the publishing application's own OpenTelemetry setup (spans kept in memory here)
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const tenant = uniqueTenant('trace');
  const webhook = await traced.call('POST', '/v1/webhooks', { tenant, url: receiver.url, enabled_events: ['TRANSACTION.*'], is_enabled: true });
  const producer = createProducer({ redisUrl: testRedisUrl(), queuePrefix: traced.queuePrefix });
  try {
    const { id } = await producer.publish({ tenant, type: 'TRANSACTION.UPDATED', resource: { amount: 2 } });
    const publish = exporter.getFinishedSpans().find((s) => s.name === 'hookrelay.publish' && s.attributes['hookrelay.event_id'] === id)!;
    expect(publish).toBeDefined();
    const { traceId, spanId } = publish.spanContext();

    const deliveries = await receiver.waitFor(2, { timeoutMs: 45_000, filter: (r) => bodyOf(r).event_id === id });
    const notificationId = bodyOf(deliveries[0]).notification_id;
    const spans = await otlp.waitForSpans((all) => attemptsOf(all, notificationId).length >= 2);
    const fanOut = spans.find((s) => s.name === 'hookrelay.fan_out' && s.attributes['hookrelay.event_id'] === id)!;
    expect(fanOut).toMatchObject({ service: 'hookrelay-worker', traceId, parentSpanId: spanId });
    const attempts = attemptsOf(spans, notificationId);
    expect(attempts.map((a) => [a.traceId, a.parentSpanId, a.attributes['hookrelay.attempt_number'], a.attributes['http.response.status_code']])).toEqual([
      [traceId, fanOut.spanId, 1, 500],
      [traceId, fanOut.spanId, 2, 200],
    ]);
    expect(attempts[0].attributes).toMatchObject({ 'hookrelay.tenant': tenant, 'hookrelay.webhook_id': webhook.body.id });
    expect(deliveries.map((d) => parseTraceparent(d.headers.traceparent).traceId)).toEqual([traceId, traceId]);

    // publishBatch: one PRODUCER span for the call; each event's fan-out continues it
    const batchIds = (await producer.publishBatch([1, 2].map((n) => ({ tenant, type: 'TRANSACTION.CREATED', resource: { n } })))).map((r) => r.id);
    const batch = exporter.getFinishedSpans().find((s) => s.name === 'hookrelay.publish_batch')!;
    expect(batch.attributes['hookrelay.event_count']).toBe(2);
    const fanOuts = await otlp.waitForSpans((all) =>
      batchIds.every((id) => all.some((s) => s.name === 'hookrelay.fan_out' && s.attributes['hookrelay.event_id'] === id)),
    );
    for (const id of batchIds) {
      expect(fanOuts.find((s) => s.name === 'hookrelay.fan_out' && s.attributes['hookrelay.event_id'] === id)).toMatchObject({
        traceId: batch.spanContext().traceId,
        parentSpanId: batch.spanContext().spanId,
      });
    }
  } finally {
    await producer.close();
    trace.disable();
    propagation.disable();
    await provider.shutdown();
  }
}, 120_000);

test('SIGTERM exports the spans still buffered before the processes exit', async () => {
  // a batch delay far longer than the test: only the shutdown flush can send these spans
  const slow = await deploy({ OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint, OTEL_BSP_SCHEDULE_DELAY: '600000', OTEL_SERVICE_NAME: 'flushed' });
  try {
    const tenant = uniqueTenant('flush');
    await slow.call('POST', '/v1/webhooks', { tenant, url: receiver.url, enabled_events: ['CARD.*'], is_enabled: true });
    const published = await slow.call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: {} });
    const [delivery] = await receiver.waitFor(1, { filter: (r) => bodyOf(r).event_id === published.body.id });
    const { traceId } = parseTraceparent(delivery.headers.traceparent);
    await new Promise((r) => setTimeout(r, 500));
    expect(otlp.spans.filter((s) => s.traceId === traceId)).toEqual([]);
    for (const app of slow.processes) app.signal('SIGTERM');
    const exits = await Promise.all(slow.processes.map((p) => p.exited));
    expect(exits.map((e) => e.code)).toEqual([0, 0]);
    const names = otlp.spans
      .filter((s) => s.traceId === traceId && s.service === 'flushed')
      .map((s) => s.name)
      .sort();
    expect(names).toEqual(['hookrelay.delivery_attempt', 'hookrelay.fan_out', 'hookrelay.publish']);
  } finally {
    await Promise.all(slow.processes.map((p) => p.kill()));
  }
}, 120_000);

test('with no OTLP endpoint: no traceparent is sent and no exporter request is made', async () => {
  // where an exporter would send by default (localhost:4318), if this machine lets us listen there
  const fallback = await startOtlpReceiver(4318).catch(() => null);
  // every other tracing variable set: without an endpoint they change nothing
  const untraced = await deploy({ OTEL_SERVICE_NAME: 'untraced', OTEL_BSP_SCHEDULE_DELAY: '100', OTEL_TRACES_SAMPLER: 'always_on' });
  try {
    const tenant = uniqueTenant('untraced');
    await untraced.call('POST', '/v1/webhooks', { tenant, url: receiver.url, enabled_events: ['CARD.*'], is_enabled: true });
    const published = await untraced.call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: {} });
    const [delivery] = await receiver.waitFor(1, { filter: (r) => bodyOf(r).event_id === published.body.id });
    expect(delivery.headers.traceparent).toBeUndefined();
    // well past the batch delay an exporter would have used
    await new Promise((r) => setTimeout(r, 1500));
    expect(fallback?.requests ?? []).toEqual([]);
    for (const app of untraced.processes) expect(app.logs.filter((l) => String(l.msg).startsWith('tracing on'))).toEqual([]);
    for (const app of traced.processes) expect(app.logs.some((l) => String(l.msg).startsWith('tracing on'))).toBe(true);
  } finally {
    await Promise.all(untraced.processes.map((p) => p.kill()));
    await fallback?.close();
  }
}, 120_000);
