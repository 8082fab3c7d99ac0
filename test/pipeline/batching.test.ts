/**
 * Fan-out, loading and recording are batched across concurrent events and
 * deliveries (FanOutStore, DeliveryStore). Under concurrency each event must
 * still get exactly its own notifications, each notification exactly one
 * delivery and one attempt row, and one odd answer must not disturb the rest.
 */
import pg from 'pg';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { startStack, until, type Stack } from '../support/stack.js';
import { uniqueTenant } from '../support/env.js';

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
  await stack.stop();
  await receiver.close();
  await db.end();
});

test('concurrent events of mixed types fan out to exactly the matching webhooks, each delivered once', async () => {
  receiver.respondWith({ status: 200 });
  const tenant = uniqueTenant();
  const patterns = [['*'], ['CARD.*'], ['CARD.CREATED'], ['TRANSACTION.*'], ['CARD.CREATED', 'TRANSACTION.CREATED']];
  const webhooks: { id: string; events: string[] }[] = [];
  for (const events of patterns) {
    const res = await stack.call('POST', '/v1/webhooks', { tenant, url: `${receiver.url}/batch`, enabled_events: events, is_enabled: true });
    expect(res.status).toBe(201);
    webhooks.push({ id: res.body.id, events });
  }
  const types = ['CARD.CREATED', 'TRANSACTION.CREATED', 'CARD.IMAGE.CREATED'];
  const expectedFor: Record<string, number> = { 'CARD.CREATED': 4, 'TRANSACTION.CREATED': 3, 'CARD.IMAGE.CREATED': 2 };

  const published = await Promise.all(
    Array.from({ length: 60 }, (_, i) =>
      stack.call('POST', '/v1/events', { tenant, type: types[i % 3], resource: { i }, ...(i % 10 === 0 ? { idempotency_key: `k-${i}` } : {}) }),
    ),
  );
  for (const [i, res] of published.entries()) {
    expect(res.status).toBe(202);
    expect(res.body.notification_ids).toHaveLength(expectedFor[types[i % 3]!]!);
  }
  const allIds = published.flatMap((r) => r.body.notification_ids as string[]);
  expect(new Set(allIds).size).toBe(allIds.length);

  const received = await receiver.waitFor(allIds.length, { timeoutMs: 30_000, filter: (r) => r.path.endsWith('/batch') });
  const deliveredIds = received.map((r) => r.headers['webhook-id'] as string);
  expect(new Set(deliveredIds)).toEqual(new Set(allIds));
  // every delivery went to a webhook that wants that type, for the event it names
  for (const r of received) {
    const body = JSON.parse(r.body);
    const hook = webhooks.find((w) => w.id === body.webhook_id)!;
    expect(hook.events.some((p) => p === '*' || p === body.type || (p.endsWith('.*') && body.type.startsWith(p.slice(0, -1))))).toBe(true);
    const event = published.find((p) => p.body.id === body.event_id)!;
    expect(event.body.notification_ids).toContain(body.notification_id);
  }

  const rows = await until(
    async () => {
      const { rows } = await db.query(
        `SELECT n.status, n.attempt_count, count(a.id)::int AS attempts
       FROM notifications n LEFT JOIN attempts a ON a.notification_id = n.id
       WHERE n.id = ANY($1::uuid[]) GROUP BY n.id`,
        [allIds],
      );
      return rows.length === allIds.length && rows.every((r) => r.status === 'SUCCEEDED') ? rows : null;
    },
    { timeoutMs: 20_000 },
  );
  expect(rows.every((r) => r.attempt_count === 1 && r.attempts === 1)).toBe(true);
  await new Promise((r) => setTimeout(r, 300));
  expect(receiver.requests.filter((r) => r.path.endsWith('/batch'))).toHaveLength(allIds.length);
});

test('an answer Postgres cannot store as text (NUL bytes) is recorded cleaned, and the others in its batch are unaffected', async () => {
  const tenant = uniqueTenant();
  const res = await stack.call('POST', '/v1/webhooks', { tenant, url: `${receiver.url}/nul`, enabled_events: ['CARD.CREATED'], is_enabled: true });
  expect(res.status).toBe(201);
  let n = 0;
  receiver.respondWith((r) => (r.path.endsWith('/nul') && n++ % 2 === 0 ? { status: 200, body: 'a\u0000b' } : { status: 200, body: 'fine' }));
  const events = await Promise.all(Array.from({ length: 10 }, () => stack.call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: {} })));
  const ids = events.map((e) => e.body.notification_ids[0] as string);
  const rows = await until(
    async () => {
      const { rows } = await db.query(
        `SELECT n.status, a.response_body FROM notifications n JOIN attempts a ON a.notification_id = n.id WHERE n.id = ANY($1::uuid[])`,
        [ids],
      );
      return rows.length === ids.length && rows.every((r) => r.status === 'SUCCEEDED') ? rows : null;
    },
    { timeoutMs: 20_000 },
  );
  const bodies = rows.map((r) => r.response_body as string);
  expect(bodies).toContain('a\uFFFDb');
  expect(bodies).toContain('fine');
  expect(bodies.some((b) => b.includes('\u0000'))).toBe(false);
});
