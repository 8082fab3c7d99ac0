/**
 * Webhook filters through the real stack: each case of filter-cases.ts is a
 * webhook; one event published over HTTP fans out (in SQL) to exactly the
 * webhooks whose filter matches, and only those receive a delivery.
 */
import { startReceiver, type Receiver } from '../support/receiver.js';
import { startStack, type Stack } from '../support/stack.js';
import { uniqueTenant, testDatabaseUrl } from '../support/env.js';
import { FILTER_CASES, FILTER_EVENT } from '../support/filter-cases.js';
import { createPrismaClient, type PrismaClient } from '@hookrelay/db';

let stack: Stack;
let receiver: Receiver;
let db: PrismaClient;
beforeAll(async () => {
  stack = await startStack();
  db = createPrismaClient({ url: testDatabaseUrl(), poolSize: 2 });
  receiver = await startReceiver({ status: 200 });
});
afterAll(async () => {
  await stack.stop();
  await receiver.close();
  await db.$disconnect();
});

async function tenantWithType(): Promise<string> {
  const tenant = uniqueTenant();
  const created = await stack.call('POST', '/v1/event-types', { tenant, name: FILTER_EVENT.type });
  expect(created.status).toBe(201);
  return tenant;
}

async function webhook(tenant: string, path: string, filter?: unknown) {
  const res = await stack.call('POST', '/v1/webhooks', {
    tenant,
    url: `${receiver.url}${path}`,
    enabled_events: ['CARD.*'],
    is_enabled: true,
    ...(filter === undefined ? {} : { filter }),
  });
  expect(res.status).toBe(201);
  return res.body;
}

test('every operator, matching and not, through a real fan-out and delivery', async () => {
  const tenant = await tenantWithType();
  const ids = new Map<string, number>();
  for (const [i, c] of FILTER_CASES.entries()) {
    const w = await webhook(tenant, `/case/${i}`, c.filter);
    expect(w.filter).toEqual(c.filter);
    ids.set(w.id, i);
  }
  const unfiltered = await webhook(tenant, '/unfiltered');
  // resource as a JSON string and changed_fields as an object: both are parsed for the filter
  const res = await stack.call('POST', '/v1/events', { tenant, ...FILTER_EVENT, resource: JSON.stringify(FILTER_EVENT.resource) });
  expect(res.status).toBe(202);

  const notified = await db.notification.findMany({ where: { eventId: res.body.id }, select: { webhookId: true } });
  const matched = new Set(notified.filter((n) => n.webhookId !== unfiltered.id).map((n) => FILTER_CASES[ids.get(n.webhookId)!]!.name));
  const expected = new Set(FILTER_CASES.filter((c) => c.matches).map((c) => c.name));
  expect([...matched].sort()).toEqual([...expected].sort());
  expect(notified.some((n) => n.webhookId === unfiltered.id)).toBe(true);
  expect(res.body.notification_ids).toHaveLength(expected.size + 1);

  // the first event of a tenant is filtered in SQL (the process's filter cache is cold); later ones in code: same answer
  await new Promise((r) => setTimeout(r, 300));
  const again = await stack.call('POST', '/v1/events', { tenant, ...FILTER_EVENT, resource: JSON.stringify(FILTER_EVENT.resource) });
  const notifiedAgain = await db.notification.findMany({ where: { eventId: again.body.id }, select: { webhookId: true } });
  expect(notifiedAgain.map((n) => n.webhookId).sort()).toEqual(notified.map((n) => n.webhookId).sort());

  const expectedPaths = [...FILTER_CASES.entries()].filter(([, c]) => c.matches).map(([i]) => `/case/${i}`);
  await receiver.waitFor(expectedPaths.length + 1, { timeoutMs: 30000, filter: (r) => r.body.includes(res.body.id) });
  await new Promise((r) => setTimeout(r, 500));
  const delivered = receiver.requests.filter((r) => r.body.includes(res.body.id)).map((r) => r.path);
  expect(delivered.some((p) => p.endsWith('/unfiltered'))).toBe(true);
  expect(
    delivered
      .filter((p) => p.includes('/case/'))
      .map((p) => p.slice(p.indexOf('/case/')))
      .sort(),
  ).toEqual(expectedPaths.sort());
});

test('concurrent events share fan-out statements and are filtered one by one', async () => {
  const tenant = await tenantWithType();
  const big = await webhook(tenant, '/big', { 'resource.amount': { $gte: 100 } });
  const events = await Promise.all(
    Array.from({ length: 40 }, (_, i) => stack.call('POST', '/v1/events', { tenant, type: FILTER_EVENT.type, resource: { amount: i * 5 } })),
  );
  const counts = events.map((e) => e.body.notification_ids.length);
  expect(counts).toEqual(Array.from({ length: 40 }, (_, i) => (i * 5 >= 100 ? 1 : 0)));
  expect(await db.notification.count({ where: { webhookId: big.id } })).toBe(20);
});

test('an event whose resource is not an object still fans out correctly', async () => {
  const tenant = await tenantWithType();
  await webhook(tenant, '/nope', { 'resource.a': 1 });
  const missing = await webhook(tenant, '/missing', { 'resource.a': { $exists: false } });
  const res = await stack.call('POST', '/v1/events', { tenant, type: FILTER_EVENT.type, resource: '[1,2,3]' });
  expect(res.status).toBe(202);
  const rows = await db.notification.findMany({ where: { eventId: res.body.id } });
  expect(rows.map((r) => r.webhookId)).toEqual([missing.id]);
});

test('update, null removes, and GET ?event_type= ignores filters', async () => {
  const tenant = await tenantWithType();
  const w = await webhook(tenant, '/upd', { 'resource.status': 'never' });
  const first = await stack.call('POST', '/v1/events', { tenant, type: FILTER_EVENT.type, resource: { status: 'paid' } });
  expect(first.body.notification_ids).toHaveLength(0);

  const listed = await stack.call('GET', `/v1/webhooks?tenant=${tenant}&event_type=${FILTER_EVENT.type}`);
  expect(listed.body.webhooks.map((x: { id: string }) => x.id)).toEqual([w.id]);

  const put = await stack.call('PUT', `/v1/webhooks/${w.id}`, { tenant, filter: { 'resource.status': 'paid' } });
  expect(put.status).toBe(200);
  expect(put.body.filter).toEqual({ 'resource.status': 'paid' });
  const second = await stack.call('POST', '/v1/events', { tenant, type: FILTER_EVENT.type, resource: { status: 'paid' } });
  expect(second.body.notification_ids).toHaveLength(1);

  const patch = await stack.call('PATCH', `/v1/webhooks/${w.id}`, { tenant, filter: { 'resource.status': 'x' } });
  expect(patch.body.filter).toEqual({ 'resource.status': 'x' });
  const removed = await stack.call('PATCH', `/v1/webhooks/${w.id}`, { tenant, filter: null });
  expect(removed.status).toBe(200);
  expect(removed.body.filter).toBeNull();
  const got = await stack.call('GET', `/v1/webhooks/${w.id}?tenant=${tenant}`);
  expect(got.body.filter).toBeNull();
  const third = await stack.call('POST', '/v1/events', { tenant, type: FILTER_EVENT.type, resource: { status: 'other' } });
  expect(third.body.notification_ids).toHaveLength(1);
  // a change that does not mention filter keeps it
  await stack.call('PATCH', `/v1/webhooks/${w.id}`, { tenant, filter: { type: 'X' } });
  const kept = await stack.call('PATCH', `/v1/webhooks/${w.id}`, { tenant, description: 'd' });
  expect(kept.body.filter).toEqual({ type: 'X' });
});

describe('invalid filters are 400 naming the problem', () => {
  const cases: [string, unknown, RegExp][] = [
    ['unknown operator', { 'resource.a': { $regex: '^a' } }, /filter\.resource\.a\.\$regex is not a known operator/],
    ['$where', { $where: 'this.a == 1' }, /filter\.\$where is not a known operator/],
    ['wrong operand', { 'resource.a': { $gt: [1] } }, /\$gt must be a number or a string/],
    ['not an object', ['resource.a'], /"filter" must be of type object/],
    ['bad root', { 'secret.a': 1 }, /must start with one of type, resource, changed_fields/],
    ['prototype key', { 'resource.constructor.prototype': 1 }, /reserved key/],
    ['too deep', { $and: [{ $and: [{ $and: [{ $and: [{ $and: [{ type: 'X' }] }] }] }] }] }, /nested too deep/],
    ['too large', { 'resource.a': { $in: Array.from({ length: 100 }, (_, i) => `${'v'.repeat(60)}${i}`) } }, /at most 4096 bytes/],
  ];
  test.each(cases)('%s', async (_name, filter, message) => {
    const tenant = uniqueTenant();
    const res = await stack.call('POST', '/v1/webhooks', { tenant, url: `${receiver.url}/x`, enabled_events: ['CARD.*'], is_enabled: true, filter });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(res.body.errors.map((e: { message: string }) => e.message).join('\n')).toMatch(message);
    expect(res.body.errors[0].field).toBe('filter');
  });

  test('on update too', async () => {
    const tenant = await tenantWithType();
    const w = await webhook(tenant, '/u');
    const res = await stack.call('PATCH', `/v1/webhooks/${w.id}`, { tenant, filter: { 'resource.a': { $exists: 'yes' } } });
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/\$exists must be true or false/);
  });
});

describe(':test-filter', () => {
  test('matches, fails with the clause, no filter, invalid event', async () => {
    const tenant = await tenantWithType();
    const w = await webhook(tenant, '/t', { 'resource.status': 'paid', 'resource.amount': { $gt: 100 } });
    const event = { type: FILTER_EVENT.type, resource: { status: 'paid', amount: 150 } };
    const yes = await stack.call('POST', `/v1/webhooks/${w.id}:test-filter`, { tenant, event });
    expect(yes.status).toBe(200);
    expect(yes.body).toEqual({ matches: true, reason: expect.stringContaining('resource.amount is 150') });

    const no = await stack.call('POST', `/v1/webhooks/${w.id}:test-filter`, {
      tenant,
      event: { ...event, resource: JSON.stringify({ status: 'paid', amount: 5 }) },
    });
    expect(no.body).toEqual({ matches: false, reason: 'resource.amount is 5, which does not satisfy $gt 100' });

    const plain = await webhook(tenant, '/p');
    const any = await stack.call('POST', `/v1/webhooks/${plain.id}:test-filter`, { tenant, event });
    expect(any.body.matches).toBe(true);

    for (const bad of [
      {},
      { event: { type: FILTER_EVENT.type } },
      { event: { type: 'bad type!', resource: {} } },
      { event: { type: 'NOT.KNOWN', resource: {} } },
      { event: { ...event, resource: '{nope' } },
    ]) {
      const res = await stack.call('POST', `/v1/webhooks/${w.id}:test-filter`, { tenant, ...bad });
      expect(res.status).toBe(400);
    }
    const missing = await stack.call('POST', `/v1/webhooks/00000000-0000-4000-8000-000000000000:test-filter`, { tenant, event });
    expect(missing.status).toBe(404);
  });
});
