/**
 * The delivery loop on a Redis Cluster: three local redis-server masters,
 * the API and a worker started with a `redis+cluster://` REDIS_URL and a
 * hash-tagged QUEUE_PREFIX, events published over HTTP and through the
 * producer SDK, retries (delayed jobs), expiry and sendexpired. Every queue
 * key must sit in the hash tag's slot, on the cluster and not on the run's
 * ordinary Redis. Skipped, with a printed reason, where redis-server is absent.
 */
import { Queue } from 'bullmq';
import { Cluster, Redis } from 'ioredis';
import { QUEUES, createRedisConnection, type RedisConnection } from '@hookrelay/core';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { createProducer, type Producer } from '@hookrelay/producer';
import { WebhookRateLimiter } from '@hookrelay/worker';
import { findExecutable, startLocalCluster, type LocalCluster } from '../support/redis-cluster.js';
import { startReceiver, type ReceivedRequest, type Receiver } from '../support/receiver.js';
import { startStack, until, type Stack } from '../support/stack.js';
import { testQueuePrefix, testRedisUrl, uniqueTenant } from '../support/env.js';

const redisServer = findExecutable('redis-server');
if (!redisServer) console.warn('test/cluster/redis-cluster.test.ts skipped: redis-server is not on PATH, so no local Redis Cluster can be started');
const describeCluster = redisServer ? describe : describe.skip;

describeCluster('on a Redis Cluster', () => {
  let cluster: LocalCluster;
  let stack: Stack;
  let receiver: Receiver;
  let producer: Producer;
  let tag: string;
  let prefix: string;

  beforeAll(async () => {
    cluster = await startLocalCluster();
    tag = testQueuePrefix();
    prefix = `{${tag}}`;
    stack = await startStack({ REDIS_URL: cluster.url, QUEUE_PREFIX: prefix, RETRY_SCHEDULE: '1,1' });
    receiver = await startReceiver();
    producer = createProducer({ redisUrl: cluster.url, queuePrefix: prefix });
  }, 60_000);
  afterAll(async () => {
    await producer?.close();
    await stack?.stop();
    await receiver?.close();
    await cluster?.stop();
  });
  beforeEach(() => receiver.respondWith({ status: 200 }));

  async function createWebhook(tenant: string, extra: Record<string, unknown> = {}) {
    const res = await stack.call('POST', '/v1/webhooks', { tenant, url: receiver.url, enabled_events: ['CARD.*'], is_enabled: true, ...extra });
    expect(res.status).toBe(201);
    return res.body as { id: string; secret: string };
  }

  const ofEvents = (ids: readonly string[]) => {
    const set = new Set(ids);
    return (r: ReceivedRequest) => set.has(JSON.parse(r.body).event_id);
  };
  const forNotification = (id: string) => (r: ReceivedRequest) => r.headers['webhook-id'] === id;
  const notification = async (id: string) => (await stack.call('GET', `/v1/notifications/${id}`)).body;

  async function expectSignedAndSucceeded(received: ReceivedRequest[], webhook: { id: string; secret: string }) {
    const verifier = new StandardWebhook(webhook.secret);
    for (const request of received) {
      const body = verifier.verify(request.body, request.headers as Record<string, string>) as { webhook_id: string; notification_id: string };
      expect(body.webhook_id).toBe(webhook.id);
      expect(request.headers['webhook-id']).toBe(body.notification_id);
    }
    const ids = received.map((r) => JSON.parse(r.body).notification_id as string);
    await until(async () => {
      const all = await Promise.all(ids.map(notification));
      return all.every((n) => n.status === 'SUCCEEDED');
    });
  }

  test('the API and the worker run on the cluster', async () => {
    expect(stack.config.redis).toEqual({ kind: 'cluster', nodes: cluster.ports.map((port) => ({ host: '127.0.0.1', port })), tls: false });
    expect(stack.worker!.deliveries.queue.opts.connection).toBeInstanceOf(Cluster);
    const ready = await fetch(`${stack.api.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', database: true, redis: true });
  });

  test('events published over HTTP are delivered, signed, through a rate-limited webhook', async () => {
    const tenant = uniqueTenant();
    // rate_limit makes every delivery run the limiter's Lua script on the cluster
    const webhook = await createWebhook(tenant, { rate_limit: 50 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await stack.call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: { i } });
      expect(res.status).toBe(202);
      expect(res.body.notification_ids).toHaveLength(1);
      ids.push(res.body.id);
    }
    const received = await receiver.waitFor(5, { filter: ofEvents(ids) });
    expect(received.map((r) => JSON.parse(r.body).resource).sort()).toEqual([0, 1, 2, 3, 4].map((i) => `{"i":${i}}`));
    await expectSignedAndSucceeded(received, webhook);
  });

  test('events published through the producer SDK (redis+cluster:// URL and seed nodes) are delivered, signed', async () => {
    const tenant = uniqueTenant();
    const webhook = await createWebhook(tenant);
    const one = await producer.publish({ tenant, type: 'CARD.UPDATED', resource: { id: 'card_1' } });
    const batch = await producer.publishBatch(Array.from({ length: 10 }, (_, i) => ({ tenant, type: 'CARD.CREATED', resource: { i } })));
    const fromNodes = createProducer({ clusterNodes: cluster.ports.map((port) => `127.0.0.1:${port}`), queuePrefix: prefix });
    let viaNodes: { id: string };
    try {
      viaNodes = await fromNodes.publish({ tenant, type: 'CARD.IMAGE.CREATED', resource: { id: 'card_1' } });
    } finally {
      await fromNodes.close();
    }
    const ids = [one.id, ...batch.map((b) => b.id), viaNodes.id];
    const received = await receiver.waitFor(12, { filter: ofEvents(ids) });
    expect(new Set(received.map((r) => JSON.parse(r.body).event_id))).toEqual(new Set(ids));
    await expectSignedAndSucceeded(received, webhook);
  });

  test('the producer refuses a cluster without a hash-tagged queue prefix', () => {
    expect(() => createProducer({ redisUrl: cluster.url, queuePrefix: tag })).toThrow(/queuePrefix ".*" must contain a Redis Cluster hash tag/);
    expect(() => createProducer({ clusterNodes: [`127.0.0.1:${cluster.ports[0]}`] })).toThrow(
      /queuePrefix "hookrelay" must contain a Redis Cluster hash tag, e\.g\. "\{hookrelay\}"/,
    );
  });

  test('a failed attempt is retried after the schedule delay (a delayed job on the cluster), then delivered', async () => {
    const tenant = uniqueTenant();
    const webhook = await createWebhook(tenant);
    receiver.respondWith((req) => ({ status: receiver.requests.filter((r) => r.headers['webhook-id'] === req.headers['webhook-id']).length < 1 ? 500 : 200 }));
    const res = await stack.call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: {} });
    const [notificationId] = res.body.notification_ids as string[];
    const requests = await receiver.waitFor(2, { filter: forNotification(notificationId), timeoutMs: 20_000 });
    expect(requests[1].receivedAt - requests[0].receivedAt).toBeGreaterThanOrEqual(900);
    await expectSignedAndSucceeded(requests, webhook);
    const n = await notification(notificationId);
    expect(n.attempts.map((a: { status_code: number }) => a.status_code)).toEqual([500, 200]);
  });

  test('after the last attempt the notification is EXPIRED with a failed job; sendexpired delivers it', async () => {
    const tenant = uniqueTenant();
    const webhook = await createWebhook(tenant);
    receiver.respondWith({ status: 503 });
    const res = await stack.call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: {} });
    const [notificationId] = res.body.notification_ids as string[];
    await until(async () => (await notification(notificationId)).status === 'EXPIRED', { timeoutMs: 20_000 });
    const deliveries = stack.worker!.deliveries;
    expect(await (await deliveries.queue.getJob(notificationId))?.getState()).toBe('failed');
    // the reconciler's pipelined look-up, on the cluster
    const states = await deliveries.jobStates([notificationId, '00000000-0000-4000-8000-000000000000']);
    expect(Object.fromEntries(states)).toEqual({ [notificationId]: 'finished', '00000000-0000-4000-8000-000000000000': 'absent' });

    receiver.respondWith({ status: 200 });
    const requeued = await stack.call('POST', '/v1/webhooks:sendexpired', { tenant, webhook_id: webhook.id });
    expect(requeued.body).toEqual({ requeued: 1 });
    const delivered = await until(async () => {
      const current = await notification(notificationId);
      return current.status === 'SUCCEEDED' ? current : null;
    });
    expect(delivered.attempts.map((a: { status_code: number; trigger: string }) => [a.status_code, a.trigger])).toEqual([
      [503, 'schedule'],
      [503, 'schedule'],
      [503, 'schedule'],
      [200, 'sendexpired'],
    ]);
  });

  test("the rate limiter's key lives in the queues' slot", async () => {
    const connection: RedisConnection = createRedisConnection(stack.config.redis);
    try {
      const limiter = new WebhookRateLimiter(connection, prefix);
      expect(await limiter.acquire('slot-check', 1)).toBe(0);
      expect(await limiter.acquire('slot-check', 1)).toBeGreaterThan(0);
      const key = `${prefix}:ratelimit:slot-check`;
      expect(await connection.exists(key)).toBe(1);
      const node = cluster.nodeClient(cluster.ports[0]);
      expect(await node.call('CLUSTER', 'KEYSLOT', key)).toBe(await node.call('CLUSTER', 'KEYSLOT', tag));
    } finally {
      await connection.quit();
    }
  });

  test('every queue key is in the hash tag slot, on one master of the cluster, and none on the ordinary Redis', async () => {
    const keysByPort = new Map<number, string[]>();
    for (const port of cluster.ports) keysByPort.set(port, await scanKeys(cluster.nodeClient(port), `${prefix}*`));
    const all = [...keysByPort.values()].flat();
    expect(all).toEqual(expect.arrayContaining([`${prefix}:events:meta`, `${prefix}:deliveries:meta`, `${prefix}:deliveries:id`]));

    const node = cluster.nodeClient(cluster.ports[0]);
    const tagSlot = await node.call('CLUSTER', 'KEYSLOT', tag);
    expect(await node.call('CLUSTER', 'KEYSLOT', prefix)).toBe(tagSlot);
    const slots = new Set(await Promise.all(all.map((key) => node.call('CLUSTER', 'KEYSLOT', key))));
    expect([...slots]).toEqual([tagSlot]);
    // one shard holds them all: the price of the hash tag
    expect([...keysByPort.values()].filter((keys) => keys.length > 0)).toHaveLength(1);

    const ordinary = new Redis(testRedisUrl(), { maxRetriesPerRequest: 3 });
    try {
      expect(await scanKeys(ordinary, `${prefix}*`)).toEqual([]);
    } finally {
      await ordinary.quit();
    }
  });
});

describeCluster('a local cluster formed without redis-cli', () => {
  test('CLUSTER ADDSLOTSRANGE / MEET from Node give a working cluster (the path taken where redis-cli is missing)', async () => {
    const cluster = await startLocalCluster({ formWith: 'node' });
    const prefix = `{${testQueuePrefix()}}`;
    const producer = createProducer({ redisUrl: cluster.url, queuePrefix: prefix });
    const queue = new Queue(QUEUES.events, { connection: createRedisConnection(cluster.url), prefix });
    try {
      expect(cluster.formedWith).toBe('node');
      const { id } = await producer.publish({ tenant: uniqueTenant(), type: 'CARD.CREATED', resource: {} });
      expect((await queue.getJob(id))?.data).toMatchObject({ id, type: 'CARD.CREATED' });
    } finally {
      await producer.close();
      await queue.close();
      await (queue.opts.connection as RedisConnection).quit();
      await cluster.stop();
    }
  });
});

async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}
