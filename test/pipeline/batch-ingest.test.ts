/**
 * POST /v1/events:batch and MAX_EVENT_BYTES, through the real API, Postgres,
 * Redis, a worker and a receiver: each event of a batch is published or
 * refused on its own (202 / 200 duplicate / 400 / 403 / 413), in request
 * order, idempotency keys hold within a batch too, a malformed envelope
 * publishes nothing, a body over 8 MiB is a 413; an event over
 * MAX_EVENT_BYTES is a 413 on both routes and is refused by the producer SDK
 * before sending, while one just under the limit is delivered intact.
 */
import pg from 'pg';
import { Queue } from 'bullmq';
import { QUEUES } from '@hookrelay/core';
import { createProducer, EventTooLargeError, type Producer } from '@hookrelay/producer';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { startStack, until, type Stack } from '../support/stack.js';
import { uniqueTenant } from '../support/env.js';

const MAX = 262_144;
let stack: Stack;
let receiver: Receiver;
let db: pg.Client;

beforeAll(async () => {
  stack = await startStack();
  receiver = await startReceiver();
  db = new pg.Client({ connectionString: stack.config.databaseUrl });
  await db.connect();
});
afterAll(async () => {
  await db.end();
  await stack.stop();
  await receiver.close();
});

async function createWebhook(tenant: string, events = ['CARD.*']) {
  const res = await stack.call('POST', '/v1/webhooks', { tenant, url: receiver.url, enabled_events: events, is_enabled: true });
  expect(res.status).toBe(201);
  return res.body as { id: string };
}

async function eventCount(tenant: string): Promise<number> {
  const { rows } = await db.query('SELECT count(*)::int AS n FROM events WHERE tenant_id = $1', [tenant]);
  return rows[0].n;
}

/** An event object whose compact JSON is exactly `bytes` long (ASCII padding in resource.pad). */
function eventOfSize(tenant: string, bytes: number, extra: Record<string, unknown> = {}) {
  const base = { tenant, type: 'CARD.CREATED', ...extra, resource: { pad: '' } };
  const pad = bytes - Buffer.byteLength(JSON.stringify(base));
  if (pad < 0) throw new Error('too small');
  return { ...base, resource: { pad: 'x'.repeat(pad) } };
}

const eventIdOf = (r: { body: string }) => JSON.parse(r.body).event_id as string;

test('each event of a batch is published or refused on its own, in request order', async () => {
  const tenant = uniqueTenant();
  await createWebhook(tenant);
  const earlier = await stack.call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: { n: 0 }, idempotency_key: 'seen-before' });
  expect(earlier.status).toBe(202);

  const res = await stack.call('POST', '/v1/events:batch', {
    tenant,
    events: [
      { type: 'CARD.CREATED', resource: { n: 1 }, idempotency_key: 'k1' },
      { type: 'CARD.CREATED' },
      { type: 'NO.SUCH_TYPE', resource: { n: 2 } },
      { type: 'CARD.CREATED', resource: { n: 3 }, idempotency_key: 'k1' },
      eventOfSize(tenant, MAX + 1),
      { type: 'CARD.CREATED', resource: { n: 5 }, idempotency_key: 'seen-before' },
      'not an event',
      { type: 'CARD.CREATED', resource: { n: 7 }, colour: 'red' },
      { type: 'CARD.UPDATED', resource: { n: 8 } },
    ],
  });
  expect(res.status).toBe(200);
  const results = res.body.results as Record<string, any>[];
  expect(results.map((r) => [r.index, r.status])).toEqual([
    [0, 202],
    [1, 400],
    [2, 400],
    [3, 200],
    [4, 413],
    [5, 200],
    [6, 400],
    [7, 400],
    [8, 202],
  ]);

  expect(results[0]).toMatchObject({ id: expect.any(String), notification_ids: [expect.any(String)], duplicate: false });
  expect(results[0].error).toBeUndefined();
  // refused items say why, naming the field, as POST /v1/events would
  expect(results[1].error).toMatchObject({ status: 400, title: 'Bad Request', errors: [expect.objectContaining({ field: 'resource' })] });
  expect(results[2].error.errors).toEqual([expect.objectContaining({ field: 'type' })]);
  expect(results[2].error.detail).toMatch(/Unknown event type/);
  expect(results[4].error).toMatchObject({ status: 413, detail: expect.stringMatching(/MAX_EVENT_BYTES/) });
  expect(results[6].error.detail).toMatch(/must be of type object/);
  expect(results[7].error.errors).toEqual([expect.objectContaining({ field: 'colour' })]);
  for (const r of [1, 2, 4, 6, 7].map((i) => results[i])) expect(r.id).toBeUndefined();
  // a key repeated inside the batch answers with the first item's event; one seen before with that event
  expect(results[3]).toMatchObject({ id: results[0].id, notification_ids: results[0].notification_ids, duplicate: true });
  expect(results[5]).toMatchObject({ id: earlier.body.id, notification_ids: earlier.body.notification_ids, duplicate: true });

  // exactly the two new events exist (plus the earlier one), each delivered once
  expect(await eventCount(tenant)).toBe(3);
  const fresh = [results[0].id, results[8].id];
  const received = await receiver.waitFor(2, { filter: (r) => fresh.includes(eventIdOf(r)) });
  expect(received.map((r) => JSON.parse(r.body).resource).sort()).toEqual(['{"n":1}', '{"n":8}']);
  await new Promise((r) => setTimeout(r, 500));
  expect(receiver.requests.filter((r) => fresh.includes(eventIdOf(r)))).toHaveLength(2);
  const n = await stack.call('GET', `/v1/notifications/${results[8].notification_ids[0]}`);
  expect(n.body).toMatchObject({ event_id: results[8].id, type: 'CARD.UPDATED' });
});

test('a batch of 500 is answered once all its events and notifications are committed', async () => {
  const tenant = uniqueTenant();
  await createWebhook(tenant);
  await createWebhook(tenant, ['CARD.CREATED']);
  const events = Array.from({ length: 500 }, (_, i) => ({ type: 'CARD.CREATED', resource: { i }, idempotency_key: `k${i % 450}` }));
  const res = await stack.call('POST', '/v1/events:batch', { tenant, events });
  expect(res.status).toBe(200);
  const results = res.body.results as Record<string, any>[];
  expect(results).toHaveLength(500);
  expect(results.filter((r) => r.status === 202)).toHaveLength(450);
  expect(results.slice(450).every((r, i) => r.status === 200 && r.id === results[i].id)).toBe(true);
  // committed before the answer: every event and both notifications each are there now
  expect(await eventCount(tenant)).toBe(450);
  const { rows } = await db.query('SELECT count(*)::int AS n FROM notifications WHERE tenant_id = $1', [tenant]);
  expect(rows[0].n).toBe(900);
  expect(results.every((r) => r.notification_ids.length === 2)).toBe(true);
  const ids = new Set(results.map((r) => r.id as string));
  await receiver.waitFor(900, { timeoutMs: 60_000, filter: (r) => ids.has(eventIdOf(r)) });
}, 90_000);

test('a malformed envelope is a 400 problem and publishes nothing', async () => {
  const tenant = uniqueTenant();
  await createWebhook(tenant);
  const ok = { type: 'CARD.CREATED', resource: { a: 1 } };
  const bodies: [string, unknown][] = [
    ['an array', [ok]],
    ['no events', { tenant }],
    ['events not an array', { tenant, events: ok }],
    ['events as a string', { tenant, events: '[]' }],
    ['zero events', { tenant, events: [] }],
    ['501 events', { tenant, events: Array.from({ length: 501 }, () => ok) }],
    ['an unknown envelope field', { tenant, events: [ok], dry_run: true }],
    ['an invalid tenant', { tenant: 'no spaces allowed', events: [ok] }],
  ];
  for (const [name, body] of bodies) {
    const res = await stack.call('POST', '/v1/events:batch', body);
    expect([name, res.status]).toEqual([name, 400]);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 400, detail: expect.any(String) });
  }
  expect(await eventCount(tenant)).toBe(0);
  expect(await eventCount('default')).toBe(0);
});

test('a batch body over 8 MiB is a 413; one over 1 MiB but within 8 MiB is accepted', async () => {
  const tenant = uniqueTenant();
  await createWebhook(tenant);
  const big = (count: number) => ({
    tenant,
    events: Array.from({ length: count }, (_, i) => ({ type: 'CARD.CREATED', resource: { i, pad: 'y'.repeat(200_000) } })),
  });
  const tooBig = await stack.call('POST', '/v1/events:batch', big(43));
  expect(tooBig.status).toBe(413);
  expect(tooBig.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(tooBig.body.detail).toMatch(/8 MiB/);
  expect(await eventCount(tenant)).toBe(0);

  const within = await stack.call('POST', '/v1/events:batch', big(30));
  expect(within.status).toBe(200);
  expect(within.body.results.every((r: { status: number }) => r.status === 202)).toBe(true);
  expect(await eventCount(tenant)).toBe(30);
  // other routes keep their 1 MiB limit
  const single = await stack.call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: { pad: 'z'.repeat(1024 * 1024) } });
  expect(single.status).toBe(413);
  expect(single.body.detail).toMatch(/1 MiB/);
});

test('a tenant key publishes for its own tenant only', async () => {
  const tenant = uniqueTenant();
  await createWebhook(tenant);
  const key = (await stack.call('POST', '/v1/api-keys', { tenant, name: 'batch' })).body.key as string;
  const other = uniqueTenant();
  const whole = await stack.call('POST', '/v1/events:batch', { tenant: other, events: [{ type: 'CARD.CREATED', resource: {} }] }, key);
  expect(whole.status).toBe(403);
  const res = await stack.call(
    'POST',
    '/v1/events:batch',
    {
      events: [
        { type: 'CARD.CREATED', resource: { a: 1 } },
        { tenant: other, type: 'CARD.CREATED', resource: { a: 2 } },
        { tenant, type: 'CARD.CREATED', resource: { a: 3 } },
      ],
    },
    key,
  );
  expect(res.status).toBe(200);
  expect(res.body.results.map((r: { status: number }) => r.status)).toEqual([202, 403, 202]);
  expect(await eventCount(tenant)).toBe(2);
  expect(await eventCount(other)).toBe(0);
});

describe('MAX_EVENT_BYTES', () => {
  test('POST /v1/events: one byte over is a 413 problem; exactly at the limit is published and delivered intact', async () => {
    const tenant = uniqueTenant();
    await createWebhook(tenant);
    const over = await stack.call('POST', '/v1/events', eventOfSize(tenant, MAX + 1));
    expect(over.status).toBe(413);
    expect(over.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(over.body).toMatchObject({ status: 413, title: 'Payload Too Large', detail: expect.stringMatching(/262145 bytes.*262144/) });
    expect(await eventCount(tenant)).toBe(0);

    const event = eventOfSize(tenant, MAX);
    expect(Buffer.byteLength(JSON.stringify(event))).toBe(MAX);
    const published = await stack.call('POST', '/v1/events', event);
    expect(published.status).toBe(202);
    const [request] = await receiver.waitFor(1, { filter: (r) => r.headers['webhook-id'] === published.body.notification_ids[0] });
    expect(JSON.parse(request.body).resource).toBe(JSON.stringify(event.resource));
    expect(request.body.length).toBeGreaterThan(MAX);
  });

  test('in a batch, a 256 KiB event is delivered intact and only the one over the limit is refused', async () => {
    const tenant = uniqueTenant();
    await createWebhook(tenant);
    const under = eventOfSize(tenant, MAX - 1);
    const res = await stack.call('POST', '/v1/events:batch', { events: [under, eventOfSize(tenant, MAX + 100)] });
    expect(res.body.results.map((r: { status: number }) => r.status)).toEqual([202, 413]);
    const [request] = await receiver.waitFor(1, { filter: (r) => eventIdOf(r) === res.body.results[0].id });
    expect(JSON.parse(request.body).resource).toBe(JSON.stringify(under.resource));
  });

  test('the producer SDK refuses an event over the limit before sending anything', async () => {
    const tenant = uniqueTenant();
    await createWebhook(tenant);
    const producer: Producer = createProducer({ redisUrl: stack.config.redisUrl, queuePrefix: stack.config.queuePrefix });
    const small: Producer = createProducer({ redisUrl: stack.config.redisUrl, queuePrefix: stack.config.queuePrefix, maxEventBytes: 1000 });
    const queue = new Queue(QUEUES.events, { connection: { url: stack.config.redisUrl }, prefix: stack.config.queuePrefix });
    try {
      const jobsBefore = await queue.getJobCountByTypes('waiting', 'active', 'completed', 'failed', 'delayed');
      await expect(producer.publish(eventOfSize(tenant, MAX + 1))).rejects.toBeInstanceOf(EventTooLargeError);
      await expect(producer.publish(eventOfSize(tenant, MAX + 1))).rejects.toThrow(/262145 bytes.*262144.*MAX_EVENT_BYTES/);
      // one oversize event: none of the batch is sent
      await expect(producer.publishBatch([{ tenant, type: 'CARD.CREATED', resource: { a: 1 } }, eventOfSize(tenant, MAX + 1)])).rejects.toMatchObject({
        bytes: MAX + 1,
        limit: MAX,
        status: 413,
      });
      await expect(small.publish(eventOfSize(tenant, 1001))).rejects.toMatchObject({ limit: 1000 });
      expect(await queue.getJobCountByTypes('waiting', 'active', 'completed', 'failed', 'delayed')).toBe(jobsBefore);

      const event = eventOfSize(tenant, MAX);
      const { id } = await producer.publish(event);
      const [request] = await receiver.waitFor(1, { filter: (r) => eventIdOf(r) === id, timeoutMs: 20_000 });
      expect(JSON.parse(request.body).resource).toBe(JSON.stringify(event.resource));
      await until(async () => (await eventCount(tenant)) === 1);
    } finally {
      await queue.close();
      await producer.close();
      await small.close();
    }
  });
});

test('/openapi.json documents the batch route with its schemas', async () => {
  const doc = (await stack.call('GET', '/openapi.json')).body;
  const op = doc.paths['/v1/events:batch'].post;
  const schema = op.requestBody.content['application/json'].schema;
  expect(schema.required).toEqual(['events']);
  expect(schema.properties.events).toMatchObject({ type: 'array', minItems: 1, maxItems: 500 });
  expect(schema.properties.events.items.properties).toHaveProperty('idempotency_key');
  expect(op.responses[200].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/EventBatchResult' });
  expect(op.responses[413].description).toMatch(/8 MiB/);
  expect(doc.components.schemas.EventBatchResult.properties.results.items.required).toEqual(['index', 'status']);
  expect(doc.paths['/v1/events'].post.responses[413].description).toMatch(/MAX_EVENT_BYTES/);
});
