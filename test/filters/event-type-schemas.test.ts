/**
 * Event-type schemas through the real stack: invalid schemas are 400, HTTP
 * ingest answers 400 listing the failures, SDK events are rejected and
 * counted, a schema change applies only to later events; the catalog pages.
 */
import { Queue } from 'bullmq';
import { QUEUES } from '@hookrelay/core';
import { createProducer, type Producer } from '@hookrelay/producer';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { startStack, until, type Stack } from '../support/stack.js';
import { uniqueTenant } from '../support/env.js';

let stack: Stack;
let receiver: Receiver;
let producer: Producer;
let queue: Queue;
beforeAll(async () => {
  stack = await startStack();
  receiver = await startReceiver({ status: 200 });
  producer = createProducer({ redisUrl: stack.config.redisUrl, queuePrefix: stack.config.queuePrefix });
  queue = new Queue(QUEUES.events, { connection: { url: stack.config.redisUrl }, prefix: stack.config.queuePrefix });
});
afterAll(async () => {
  await queue.close();
  await producer.close();
  await stack.stop();
  await receiver.close();
});

const ORDER_SCHEMA = {
  type: 'object',
  required: ['id', 'amount'],
  properties: { id: { type: 'string' }, amount: { type: 'number', minimum: 0 }, lines: { type: 'array', items: { type: 'object', required: ['sku'] } } },
};

async function typeWithSchema(schema: unknown = ORDER_SCHEMA) {
  const tenant = uniqueTenant();
  const res = await stack.call('POST', '/v1/event-types', { tenant, name: 'ORDER.PLACED', description: 'an order', schema });
  expect(res.status).toBe(201);
  expect(res.body).toMatchObject({ name: 'ORDER.PLACED', tenant, builtin: false, schema });
  await stack.call('POST', '/v1/webhooks', { tenant, url: receiver.url, enabled_events: ['ORDER.*'], is_enabled: true });
  return tenant;
}

async function rejectedBySchema(): Promise<number> {
  const text = (await stack.worker!.metrics.render()).body;
  const line = text.split('\n').find((l) => l.startsWith('hookrelay_events_rejected_total{reason="schema"}'));
  return line ? Number(line.split(' ')[1]) : 0;
}

describe('invalid schemas are 400', () => {
  const bad: [string, unknown, RegExp][] = [
    ['not a schema type', { type: 'nope' }, /not a valid JSON Schema/],
    ['wrong keyword value', { type: 'object', properties: { a: { minimum: 'x' } } }, /not a valid JSON Schema/],
    ['unknown keyword (strict)', { type: 'object', frobnicate: true }, /not a valid JSON Schema/],
    ['remote $ref', { $ref: 'https://example.com/schema.json' }, /only use local references/],
    ['unresolvable local $ref', { $ref: '#/$defs/missing' }, /not a valid JSON Schema/],
    ['catastrophic pattern', { type: 'string', pattern: '^(a+)+$' }, /nested quantifiers/],
    ['too large', { type: 'object', description: 'x'.repeat(70 * 1024) }, /at most 65536 bytes/],
    ['an array', [{ type: 'object' }], /must be of type object/],
  ];
  test.each(bad)('%s', async (_name, schema, message) => {
    const res = await stack.call('POST', '/v1/event-types', { tenant: uniqueTenant(), name: 'ORDER.BAD', schema });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].field).toBe('schema');
    expect(res.body.errors.map((e: { message: string }) => e.message).join('\n')).toMatch(message);
  });
});

test('HTTP ingest: 400 listing each failure, JSON strings parsed, valid events accepted', async () => {
  const tenant = await typeWithSchema();
  const bad = await stack.call('POST', '/v1/events', { tenant, type: 'ORDER.PLACED', resource: { amount: -1, lines: [{ sku: 'a' }, {}] } });
  expect(bad.status).toBe(400);
  expect(bad.headers.get('content-type')).toMatch(/problem\+json/);
  const fields = bad.body.errors.map((e: { field: string }) => e.field).sort();
  expect(fields).toEqual(['resource', 'resource.amount', 'resource.lines.1'].sort());
  expect(bad.body.errors.find((e: { field: string }) => e.field === 'resource.amount').message).toMatch(/must be >= 0/);
  expect(bad.body.errors.find((e: { field: string }) => e.field === 'resource').message).toMatch(/required property 'id'/);

  const asString = await stack.call('POST', '/v1/events', { tenant, type: 'ORDER.PLACED', resource: JSON.stringify({ id: 7, amount: 1 }) });
  expect(asString.status).toBe(400);
  expect(asString.body.errors[0]).toEqual({ field: 'resource.id', message: '"resource.id" must be string' });

  const good = await stack.call('POST', '/v1/events', { tenant, type: 'ORDER.PLACED', resource: JSON.stringify({ id: 'o1', amount: 5 }) });
  expect(good.status).toBe(202);
  expect(good.body.notification_ids).toHaveLength(1);
  // types without a schema are not affected
  const builtin = await stack.call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: { anything: true } });
  expect(builtin.status).toBe(202);
});

test('batch ingest: only the items failing the schema are refused, each listing its failures; the rest are published', async () => {
  const tenant = await typeWithSchema();
  const res = await stack.call('POST', '/v1/events:batch', {
    tenant,
    events: [
      { type: 'ORDER.PLACED', resource: { id: 'b1', amount: 3 } },
      { type: 'ORDER.PLACED', resource: { amount: -1 } },
      { type: 'ORDER.PLACED', resource: JSON.stringify({ id: 'b3', amount: 0 }) },
    ],
  });
  expect(res.status).toBe(200);
  const [first, refused, third] = res.body.results;
  expect(first).toMatchObject({ index: 0, status: 202 });
  expect(third).toMatchObject({ index: 2, status: 202 });
  expect(refused).toMatchObject({ index: 1, status: 400 });
  const fields = refused.error.errors.map((e: { field: string }) => e.field).sort();
  expect(fields).toEqual(['resource', 'resource.amount']);
  // the refused item made nothing; the accepted ones were delivered
  expect(refused.id).toBeUndefined();
  const ids = [first.notification_ids[0], third.notification_ids[0]];
  await until(async () => ids.every((id) => receiver.requests.some((r) => r.headers['webhook-id'] === id)));
});

test('SDK: a failing event is rejected, logged in the failed set and counted in /metrics; a valid one is delivered', async () => {
  const tenant = await typeWithSchema();
  const before = await rejectedBySchema();
  const { id } = await producer.publish({ tenant, type: 'ORDER.PLACED', resource: { id: 'x', amount: 'lots' } });
  const reason = await until(async () => (await queue.getJob(id))?.failedReason);
  expect(reason).toMatch(/rejected: .*resource\.amount/);
  expect(await rejectedBySchema()).toBe(before + 1);
  const search = await stack.call('POST', '/v1/webhooks:search', { tenant, event_id: id });
  expect(search.body.notifications).toHaveLength(0);

  const ok = await producer.publish({ tenant, type: 'ORDER.PLACED', resource: { id: 'y', amount: 3 } });
  await receiver.waitFor(1, { filter: (r) => JSON.parse(r.body).event_id === ok.id });
  expect(await rejectedBySchema()).toBe(before + 1);
  const metrics = await fetch(`http://127.0.0.1:${(stack.worker!.metricsServer!.address() as { port: number }).port}/metrics`).then((r) => r.text());
  expect(metrics).toMatch(/hookrelay_events_rejected_total\{reason="schema"\} [1-9]/);
});

test('a schema change applies to later events only (HTTP and SDK)', async () => {
  const tenant = await typeWithSchema({ type: 'object', required: ['id'] });
  const first = await stack.call('POST', '/v1/events', { tenant, type: 'ORDER.PLACED', resource: { id: 'a' } });
  expect(first.status).toBe(202);

  const put = await stack.call('PUT', '/v1/event-types/ORDER.PLACED', { tenant, schema: { type: 'object', required: ['id', 'currency'] } });
  expect(put.status).toBe(200);
  expect(put.body.schema).toEqual({ type: 'object', required: ['id', 'currency'] });
  const again = await stack.call('POST', '/v1/events', { tenant, type: 'ORDER.PLACED', resource: { id: 'a' } });
  expect(again.status).toBe(400);
  expect(again.body.errors[0].message).toMatch(/currency/);
  const later = await stack.call('POST', '/v1/events', { tenant, type: 'ORDER.PLACED', resource: { id: 'b', currency: 'EUR' } });
  expect(later.status).toBe(202);
  // the event accepted before the change is untouched and delivered
  await receiver.waitFor(1, { filter: (r) => JSON.parse(r.body).event_id === first.body.id });

  // other processes (the worker) see the change within a second
  await new Promise((r) => setTimeout(r, 1200));
  const { id } = await producer.publish({ tenant, type: 'ORDER.PLACED', resource: { id: 'c' } });
  expect(await until(async () => (await queue.getJob(id))?.failedReason)).toMatch(/currency/);

  const removed = await stack.call('PUT', '/v1/event-types/ORDER.PLACED', { tenant, schema: null, description: 'no schema' });
  expect(removed.body).toMatchObject({ schema: null, description: 'no schema' });
  expect((await stack.call('POST', '/v1/events', { tenant, type: 'ORDER.PLACED', resource: { nothing: 1 } })).status).toBe(202);
});

test('PUT: built-in 409, unknown 404, invalid 400, another tenant 404', async () => {
  const tenant = await typeWithSchema();
  expect((await stack.call('PUT', '/v1/event-types/CARD.CREATED', { tenant, description: 'x' })).status).toBe(409);
  expect((await stack.call('PUT', '/v1/event-types/NOPE.NOPE', { tenant, description: 'x' })).status).toBe(404);
  expect((await stack.call('PUT', '/v1/event-types/ORDER.PLACED', { tenant })).status).toBe(400);
  expect((await stack.call('PUT', '/v1/event-types/ORDER.PLACED', { tenant, schema: { type: 7 } })).status).toBe(400);
  expect((await stack.call('PUT', '/v1/event-types/ORDER.PLACED', { tenant: uniqueTenant(), description: 'x' })).status).toBe(404);
  expect((await stack.call('PUT', '/v1/event-types/bad%20name', { tenant, description: 'x' })).status).toBe(400);
});

describe('GET /v1/event-types pages', () => {
  test('default 20, every type exactly once across pages, stable when types are added', async () => {
    const tenant = uniqueTenant();
    for (const name of ['ZED.ONE', 'ALPHA.ONE', 'MID.ONE', 'MID.TWO']) {
      expect((await stack.call('POST', '/v1/event-types', { tenant, name })).status).toBe(201);
    }
    const first = await stack.call('GET', `/v1/event-types?tenant=${tenant}`);
    expect(first.status).toBe(200);
    expect(first.body.event_types).toHaveLength(20);
    expect(typeof first.body.next_page_token).toBe('string');

    const whole = await stack.call('GET', `/v1/event-types?tenant=${tenant}&limit=100`);
    const all: string[] = whole.body.event_types.map((t: { name: string }) => t.name);
    expect(whole.body.next_page_token).toBeNull();
    expect(all.slice(-4)).toEqual(['ALPHA.ONE', 'MID.ONE', 'MID.TWO', 'ZED.ONE']);
    expect(all).toContain('CARD_STATUS_CHANGE');

    const seen: string[] = [];
    let token: string | null = null;
    let added = false;
    do {
      const res = await stack.call('GET', `/v1/event-types?tenant=${tenant}&limit=6${token ? `&page_token=${token}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.event_types.length).toBeLessThanOrEqual(6);
      seen.push(...res.body.event_types.map((t: { name: string }) => t.name));
      token = res.body.next_page_token;
      // a type added mid-walk that sorts before the cursor shifts nothing (keyset, not offsets)
      if (!added && seen.includes('ALPHA.ONE') && token) {
        added = true;
        expect((await stack.call('POST', '/v1/event-types', { tenant, name: 'AAA.LATE' })).status).toBe(201);
      }
    } while (token);
    expect(added).toBe(true);
    expect(seen).toEqual(all);
  });

  test('bad limit or page token is 400', async () => {
    for (const q of ['limit=0', 'limit=101', 'limit=x', 'page_token=%%%', 'page_token=WyJ4IiwiYSJd']) {
      const res = await stack.call('GET', `/v1/event-types?${q}`);
      expect(res.status).toBe(400);
    }
  });
});
