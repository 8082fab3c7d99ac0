/** Publishing straight into Redis with @hookrelay/producer: no HTTP hop. */
import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { EVENT_BATCH_JOB_NAME, QUEUES } from '@hookrelay/core';
import { createProducer, EVENTS_PER_BATCH_JOB, ProducerUnavailableError, type Producer } from '@hookrelay/producer';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { startStack, until, type Stack } from '../support/stack.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { uniqueTenant } from '../support/env.js';

let stack: Stack;
let receiver: Receiver;
let producer: Producer;

beforeAll(async () => {
  stack = await startStack();
  receiver = await startReceiver();
  producer = createProducer({ redisUrl: stack.config.redisUrl, queuePrefix: stack.config.queuePrefix });
});
afterAll(async () => {
  await producer.close();
  await stack.stop();
  await receiver.close();
});

test('an event published through the SDK is delivered to matching webhooks', async () => {
  const tenant = uniqueTenant();
  const webhook = await stack.call('POST', '/v1/webhooks', { tenant, url: receiver.url, enabled_events: ['TRANSACTION.*'], is_enabled: true });
  const { id } = await producer.publish({ tenant, type: 'TRANSACTION.CREATED', resource: { amount: 10 } });
  const [request] = await receiver.waitFor(1, { filter: (r) => JSON.parse(r.body).event_id === id });
  expect(JSON.parse(request.body)).toMatchObject({ type: 'TRANSACTION.CREATED', webhook_id: webhook.body.id, resource: '{"amount":10}' });
  const search = await stack.call('POST', '/v1/webhooks:search', { tenant, event_id: id });
  expect(search.body.notifications).toHaveLength(1);
});

test('a batch is published in one call, as batch jobs, and every event is delivered once with its own id', async () => {
  const tenant = uniqueTenant();
  await stack.call('POST', '/v1/webhooks', { tenant, url: receiver.url, enabled_events: ['CARD.CREATED'], is_enabled: true });
  // more than one batch job's worth, so the split is exercised too
  const count = EVENTS_PER_BATCH_JOB + 20;
  const ids = (await producer.publishBatch(Array.from({ length: count }, (_, i) => ({ tenant, type: 'CARD.CREATED', resource: { i } })))).map((r) => r.id);
  expect(new Set(ids).size).toBe(count);
  const idSet = new Set(ids);
  const received = await receiver.waitFor(count, { timeoutMs: 30_000, filter: (r) => idSet.has(JSON.parse(r.body).event_id) });
  expect(new Set(received.map((r) => JSON.parse(r.body).event_id))).toEqual(idSet);
  // the i-th id is the i-th event's
  const third = received.find((r) => JSON.parse(r.body).event_id === ids[3])!;
  expect(JSON.parse(third.body).resource).toBe('{"i":3}');
  await new Promise((r) => setTimeout(r, 300));
  expect(receiver.requests.filter((r) => idSet.has(JSON.parse(r.body).event_id))).toHaveLength(count);
});

test('publish() calls of one turn go in one batch job; a lone one is a job of its own, its id the job id', async () => {
  // a prefix no worker consumes, to look at the jobs as they were sent
  const queuePrefix = `${stack.config.queuePrefix}-nobody`;
  const idle = createProducer({ redisUrl: stack.config.redisUrl, queuePrefix });
  const queue = new Queue(QUEUES.events, { connection: { url: stack.config.redisUrl }, prefix: queuePrefix });
  try {
    const tenant = uniqueTenant();
    const together = await Promise.all(Array.from({ length: 30 }, (_, i) => idle.publish({ tenant, type: 'CARD.CREATED', resource: { i } })));
    const alone = await idle.publish({ tenant, type: 'CARD.CREATED', resource: { i: 30 } });
    const jobs = await queue.getWaiting();
    expect(jobs.map((j) => j.name).sort()).toEqual(['event', EVENT_BATCH_JOB_NAME]);
    const batch = jobs.find((j) => j.name === EVENT_BATCH_JOB_NAME)!;
    expect(batch.data.events.map((e: { id: string }) => e.id)).toEqual(together.map((r) => r.id));
    expect(batch.data.events[7].resource).toEqual({ i: 7 });
    expect(jobs.find((j) => j.name === 'event')!.id).toBe(alone.id);
  } finally {
    await queue.obliterate({ force: true });
    await queue.close();
    await idle.close();
  }
});

test('in a batch job a bad event is rejected on its own; a redelivered batch creates nothing twice', async () => {
  const queue = new Queue(QUEUES.events, { connection: { url: stack.config.redisUrl }, prefix: stack.config.queuePrefix });
  try {
    const tenant = uniqueTenant();
    await stack.call('POST', '/v1/webhooks', { tenant, url: receiver.url, enabled_events: ['CARD.CREATED'], is_enabled: true });
    const good = [randomUUID(), randomUUID()];
    const events = [
      { id: good[0], tenant, type: 'CARD.CREATED', resource: { n: 0 } },
      { id: randomUUID(), tenant, type: 'UNKNOWN.THING', resource: {} },
      { id: 'not-a-uuid', tenant, type: 'CARD.CREATED', resource: {} },
      { id: good[1], tenant, type: 'CARD.CREATED', resource: { n: 1 } },
    ];
    const first = await queue.add(EVENT_BATCH_JOB_NAME, { events } as never, { jobId: randomUUID() });
    const result = await until(async () => (await queue.getJob(first.id!))?.returnvalue);
    expect(result).toMatchObject({ events: 2, notifications: 2 });
    expect(result.rejected.map((r: { index: number }) => r.index)).toEqual([1, 2]);
    expect(result.rejected[0].reason).toMatch(/unknown event type/i);
    expect(result.rejected[1].reason).toMatch(/id/);
    await receiver.waitFor(2, { filter: (r) => good.includes(JSON.parse(r.body).event_id) });

    // the same batch again, as a retried job would bring it
    const second = await queue.add(EVENT_BATCH_JOB_NAME, { events } as never, { jobId: randomUUID() });
    expect(await until(async () => (await queue.getJob(second.id!))?.returnvalue)).toMatchObject({ events: 2, notifications: 2 });
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.requests.filter((r) => good.includes(JSON.parse(r.body).event_id))).toHaveLength(2);
    const search = await stack.call('POST', '/v1/webhooks:search', { tenant, limit: 100 });
    expect(search.body.notifications).toHaveLength(2);

    // a batch job that is not a batch is rejected whole
    const broken = await queue.add(EVENT_BATCH_JOB_NAME, { events: [] } as never, { jobId: randomUUID() });
    expect(await until(async () => (await queue.getJob(broken.id!))?.failedReason)).toMatch(/rejected/);
  } finally {
    await queue.close();
  }
});

test('the SDK validates with the API schema before touching Redis', async () => {
  await expect(producer.publish({ tenant: 'x', type: 'not a type!', resource: {} })).rejects.toThrow(/type/);
  await expect(producer.publish({ type: 'CARD.CREATED', resource: {} } as never)).rejects.toThrow(/tenant/);
});

test('a job with an unknown type or a bad shape is rejected, logged and kept in the failed set', async () => {
  const queue = new Queue(QUEUES.events, { connection: { url: stack.config.redisUrl }, prefix: stack.config.queuePrefix });
  try {
    const tenant = uniqueTenant();
    const { id } = await producer.publish({ tenant, type: 'UNKNOWN.THING', resource: {} });
    await queue.add('event', { nonsense: true } as never, { jobId: 'bad-shape-job' });
    const failedReason = await until(async () => (await queue.getJob(id))?.failedReason);
    expect(failedReason).toMatch(/unknown event type/i);
    expect(await (await queue.getJob(id))?.getState()).toBe('failed');
    const badShape = await until(async () => (await queue.getJob('bad-shape-job'))?.failedReason);
    expect(badShape).toMatch(/rejected/);
    const search = await stack.call('POST', '/v1/webhooks:search', { tenant, event_id: id });
    expect(search.body.notifications).toEqual([]);
  } finally {
    await queue.close();
  }
});

test('the same event id published twice (a redelivered job) creates its notifications once', async () => {
  const tenant = uniqueTenant();
  await stack.call('POST', '/v1/webhooks', { tenant, url: receiver.url, enabled_events: ['CARD.UPDATED'], is_enabled: true });
  const { id } = await producer.publish({ tenant, type: 'CARD.UPDATED', resource: {}, idempotency_key: 'k1' });
  const again = await producer.publish({ tenant, type: 'CARD.UPDATED', resource: {}, idempotency_key: 'k1' });
  await receiver.waitFor(1, { filter: (r) => JSON.parse(r.body).event_id === id });
  await new Promise((r) => setTimeout(r, 500));
  const search = await stack.call('POST', '/v1/webhooks:search', { tenant, limit: 100 });
  expect(search.body.notifications).toHaveLength(1);
  expect(again.id).not.toBe(id);
});

test('with Redis out of reach, publish rejects in connectTimeoutMs having sent nothing, and works once Redis is back', async () => {
  const redisUrl = new URL(stack.config.redisUrl);
  const proxy = await startTcpProxy({ host: redisUrl.hostname, port: Number(redisUrl.port || 6379) });
  proxy.pause();
  const cut = createProducer({ redisUrl: proxy.proxied(stack.config.redisUrl), queuePrefix: stack.config.queuePrefix, connectTimeoutMs: 1000 });
  try {
    const tenant = uniqueTenant();
    await stack.call('POST', '/v1/webhooks', { tenant, url: receiver.url, enabled_events: ['CARD.CREATED'], is_enabled: true });
    const started = Date.now();
    await expect(cut.publish({ tenant, type: 'CARD.CREATED', resource: { lost: true } })).rejects.toBeInstanceOf(ProducerUnavailableError);
    await expect(cut.publishBatch([{ tenant, type: 'CARD.CREATED', resource: { lost: true } }])).rejects.toThrow(/not reachable within 1000 ms/);
    expect(Date.now() - started).toBeLessThan(5000);

    proxy.resume();
    const { id } = await cut.publish({ tenant, type: 'CARD.CREATED', resource: { lost: false } });
    await receiver.waitFor(1, { filter: (r) => JSON.parse(r.body).event_id === id });
    await new Promise((r) => setTimeout(r, 500));
    // the refused publishes were never queued behind the connection
    const bodies = receiver.requests.map((r) => JSON.parse(r.body)).filter((b) => b.resource.includes('lost'));
    expect(bodies.map((b) => b.resource)).toEqual(['{"lost":false}']);
  } finally {
    await cut.close();
    await proxy.close();
  }
}, 30_000);
