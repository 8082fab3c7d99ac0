/**
 * `:search` history options over HTTP against the real stack (API + worker,
 * real receivers): `order` (by created, asc/desc) with keyset pages in both
 * directions, and `updated_since`, which must see every status change and
 * every attempt (delivery, retry, cancel by webhook delete, resend).
 */
import { startReceiver, type Receiver } from '../support/receiver.js';
import { startStack, until, type Stack } from '../support/stack.js';
import { uniqueTenant } from '../support/env.js';

let stack: Stack;
let ok: Receiver;
let failing: Receiver;

beforeAll(async () => {
  // one retry a minute away: a failed notification stays PENDING with one attempt
  stack = await startStack({ RETRY_SCHEDULE: '60' });
  ok = await startReceiver({ status: 200 });
  failing = await startReceiver({ status: 503 });
});
afterAll(async () => {
  await stack.stop();
  await Promise.all([ok.close(), failing.close()]);
});

interface N {
  id: string;
  webhook_id: string;
  status: string;
  created: string;
  updated_at: string;
  attempt_count: number;
  attempts: { attempted_at: string }[];
}

async function search(body: Record<string, unknown>): Promise<{ notifications: N[]; next_page_token: string | null }> {
  const res = await stack.call('POST', '/v1/webhooks:search', body);
  expect(res.status).toBe(200);
  return res.body;
}

/** Every page, following next_page_token. */
async function walk(body: Record<string, unknown>): Promise<N[]> {
  const all: N[] = [];
  let page_token: string | undefined;
  do {
    const page = await search({ ...body, page_token });
    all.push(...page.notifications);
    page_token = page.next_page_token ?? undefined;
  } while (page_token);
  return all;
}

const byCreated = (a: N, b: N) => a.created.localeCompare(b.created) || a.id.localeCompare(b.id);
const later = (iso: string, ms = 1) => new Date(Date.parse(iso) + ms).toISOString();
const latest = (rows: N[]) =>
  rows
    .map((n) => n.updated_at)
    .sort()
    .at(-1)!;

test('order asc/desc with keyset pages; updated_since sees attempts, cancellation and resend', async () => {
  const tenant = uniqueTenant('hist');
  const hook = async (url: string) =>
    (await stack.call('POST', '/v1/webhooks', { tenant, url, enabled_events: ['CARD.CREATED'], is_enabled: true })).body.id as string;
  const good = await hook(ok.url);
  const bad = await hook(failing.url);
  for (let i = 0; i < 4; i += 1) {
    expect((await stack.call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: { i } })).status).toBe(202);
    await new Promise((r) => setTimeout(r, 5)); // distinct creation times
  }

  // 4 SUCCEEDED on the good webhook, 4 PENDING after one failed attempt on the bad one
  const settled = await until(
    async () => {
      const all = await walk({ tenant, limit: 100 });
      const done = all.filter((n) => (n.webhook_id === good ? n.status === 'SUCCEEDED' : n.attempt_count === 1));
      return all.length === 8 && done.length === 8 ? all : null;
    },
    { timeoutMs: 20000 },
  );
  // recording an attempt bumps updated_at
  for (const n of settled) {
    expect(n.attempts).toHaveLength(1);
    expect(Date.parse(n.updated_at)).toBeGreaterThanOrEqual(Date.parse(n.attempts[0]!.attempted_at));
    expect(Date.parse(n.updated_at)).toBeGreaterThan(Date.parse(n.created));
  }

  // order: asc is the default; desc is its exact reverse; pages of 3 in both directions
  const asc = await walk({ tenant, limit: 3 });
  const desc = await walk({ tenant, limit: 3, order: 'desc' });
  expect(asc.map((n) => n.id)).toEqual([...settled].sort(byCreated).map((n) => n.id));
  expect(desc.map((n) => n.id)).toEqual(asc.map((n) => n.id).reverse());
  expect((await search({ tenant, limit: 1, order: 'desc' })).notifications[0]!.id).toBe(desc[0]!.id);
  expect((await walk({ tenant, webhook_id: bad, status: 'PENDING', order: 'desc', limit: 1 })).map((n) => n.id)).toEqual(
    desc.filter((n) => n.webhook_id === bad).map((n) => n.id),
  );

  // nothing changed since the latest change
  const mark = later(latest(settled));
  expect((await search({ tenant, updated_since: mark })).notifications).toEqual([]);
  // at or after: the instant itself is included
  const exact = await walk({ tenant, updated_since: latest(settled) });
  expect(exact.length).toBeGreaterThanOrEqual(1);
  expect(exact.every((n) => n.updated_at === latest(settled))).toBe(true);

  // deleting the bad webhook cancels its 4: exactly those changed, in both orders and pages of 3
  await new Promise((r) => setTimeout(r, 5));
  expect((await stack.call('DELETE', `/v1/webhooks/${bad}?tenant=${tenant}`)).status).toBe(204);
  const cancelled = await walk({ tenant, updated_since: mark, limit: 3 });
  expect(cancelled.map((n) => n.id)).toEqual(asc.filter((n) => n.webhook_id === bad).map((n) => n.id));
  expect(cancelled.every((n) => n.status === 'CANCELLED' && Date.parse(n.updated_at) >= Date.parse(mark))).toBe(true);
  expect((await walk({ tenant, updated_since: mark, limit: 3, order: 'desc' })).map((n) => n.id)).toEqual(cancelled.map((n) => n.id).reverse());

  // a resend (an attempt outside the schedule) is a change too
  const mark2 = later(latest(cancelled));
  await new Promise((r) => setTimeout(r, 5));
  const target = asc.find((n) => n.webhook_id === good)!;
  expect((await stack.call('POST', `/v1/notifications/${target.id}:resend`)).status).toBe(200);
  const resent = await walk({ tenant, updated_since: mark2 });
  expect(resent.map((n) => [n.id, n.attempt_count])).toEqual([[target.id, 2]]);
  // combined with the other filters
  expect(await walk({ tenant, updated_since: mark2, status: 'CANCELLED' })).toEqual([]);
  expect((await walk({ tenant, updated_since: mark, webhook_id: good })).map((n) => n.id)).toEqual([target.id]);
});

test('order and updated_since are validated: 400 naming the field', async () => {
  for (const [body, field] of [
    [{ order: 'sideways' }, 'order'],
    [{ order: 1 }, 'order'],
    [{ updated_since: 'yesterday' }, 'updated_since'],
    [{ updated_since: 1700000000 }, 'updated_since'],
  ] as const) {
    const res = await stack.call('POST', '/v1/webhooks:search', body);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(JSON.stringify(res.body)).toContain(field);
  }
});
