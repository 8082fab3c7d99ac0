/**
 * /v1/stats reads notification_counters, kept by statement triggers on
 * notifications. After every step that changes statuses through the real
 * code paths (create, retry, expire, sendexpired, resend, cancel by webhook
 * delete and disable), the counters must equal a full count of the rows
 * (SELECT count(*) GROUP BY), and /v1/stats must report that count; its
 * per-webhook attempts, successes and last answer (attempt rollups, kept by a
 * trigger on attempts) must equal a count of the attempts.
 */
import pg from 'pg';
import { createLogger } from '@hookrelay/core';
import { startWorkerRuntime, type WorkerRuntime } from '@hookrelay/worker';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { startStack, until, type Stack } from '../support/stack.js';
import { testDatabaseUrl, uniqueTenant } from '../support/env.js';

let stack: Stack;
let worker: WorkerRuntime | undefined;
let ok: Receiver;
let flaky: Receiver;
let db: pg.Client;

beforeAll(async () => {
  // no worker at first: notifications stay PENDING until the test starts one
  stack = await startStack({ RETRY_SCHEDULE: '1' }, { worker: false });
  ok = await startReceiver({ status: 200 });
  flaky = await startReceiver({ status: 500 });
  db = new pg.Client({ connectionString: testDatabaseUrl() });
  await db.connect();
});
afterAll(async () => {
  await worker?.stop();
  await stack.stop();
  await Promise.all([ok.close(), flaky.close(), db.end()]);
});

type Counts = Record<string, number>;

async function fullCount(tenant: string): Promise<Counts> {
  const { rows } = await db.query<{ k: string; n: string }>(
    `SELECT webhook_id || ' ' || status AS k, count(*) AS n FROM notifications WHERE tenant_id = $1 GROUP BY 1 ORDER BY 1`,
    [tenant],
  );
  return Object.fromEntries(rows.map((r) => [r.k, Number(r.n)]));
}

async function counters(tenant: string): Promise<Counts> {
  const { rows } = await db.query<{ k: string; n: string }>(
    `SELECT webhook_id || ' ' || status AS k, sum(count) AS n FROM notification_counters WHERE tenant_id = $1
     GROUP BY 1 HAVING sum(count) <> 0 ORDER BY 1`,
    [tenant],
  );
  return Object.fromEntries(rows.map((r) => [r.k, Number(r.n)]));
}

/** Counters = full count, and /v1/stats says the same (tenant totals and per webhook). */
async function expectCountersRight(tenant: string, expected?: Counts): Promise<Counts> {
  const full = await fullCount(tenant);
  expect(await counters(tenant)).toEqual(full);
  if (expected) expect(full).toEqual(expected);
  const stats = (await stack.call('GET', `/v1/stats?tenant=${tenant}`)).body;
  const totals: Counts = { PENDING: 0, SUCCEEDED: 0, EXPIRED: 0, CANCELLED: 0, total: 0 };
  for (const [k, n] of Object.entries(full)) {
    totals[k.split(' ')[1]!] += n;
    totals.total += n;
  }
  expect(stats.notifications).toEqual(totals);
  const health = await rawHealth(tenant);
  for (const w of stats.webhooks as WebhookStats[]) {
    for (const status of ['PENDING', 'SUCCEEDED', 'EXPIRED', 'CANCELLED']) expect(w.notifications[status]).toBe(full[`${w.webhook_id} ${status}`] ?? 0);
    // the health figures come from attempt_rollups / webhook_last_attempts: equal to the attempts themselves
    const raw = health.get(w.webhook_id) ?? { attempts: 0, succeeded: 0, last_status_code: null };
    expect({ attempts: w.attempts, succeeded: w.succeeded_attempts, last_status_code: w.last_status_code }).toEqual(raw);
  }
  return full;
}

interface WebhookStats {
  webhook_id: string;
  notifications: Counts;
  attempts: number;
  succeeded_attempts: number;
  last_status_code: number | null;
}

/** Per webhook: its attempts of the last day counted from the attempts table, and the latest one's status. */
async function rawHealth(tenant: string): Promise<Map<string, { attempts: number; succeeded: number; last_status_code: number | null }>> {
  const { rows } = await db.query<{ w: string; attempts: number; succeeded: number; last: number | null }>(
    `SELECT n.webhook_id::text AS w, count(*)::int AS attempts, (count(*) FILTER (WHERE a.status_code BETWEEN 200 AND 299))::int AS succeeded,
            (array_agg(a.status_code ORDER BY a.attempted_at DESC, a.attempt_number DESC))[1] AS last
     FROM attempts a JOIN notifications n ON n.id = a.notification_id
     WHERE n.tenant_id = $1 AND a.attempted_at > now() - interval '1 day' GROUP BY 1`,
    [tenant],
  );
  return new Map(rows.map((r) => [r.w, { attempts: r.attempts, succeeded: r.succeeded, last_status_code: r.last }]));
}

test('counters equal a full count through create, cancel, retry, expire, sendexpired, resend and disable', async () => {
  const tenant = uniqueTenant('cnt');
  const hook = async (url: string) =>
    (await stack.call('POST', '/v1/webhooks', { tenant, url, enabled_events: ['CARD.*'], is_enabled: true })).body.id as string;
  const good = await hook(ok.url);
  const bad = await hook(flaky.url);
  const doomed = await hook(ok.url);
  const disabled = await hook(ok.url);
  // create: 5 events x 4 webhooks, published concurrently
  await Promise.all(Array.from({ length: 5 }, (_, i) => stack.call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: { i } })));
  await expectCountersRight(tenant, { [`${good} PENDING`]: 5, [`${bad} PENDING`]: 5, [`${doomed} PENDING`]: 5, [`${disabled} PENDING`]: 5 });

  // cancel: webhook delete, and disable through an update
  expect((await stack.call('DELETE', `/v1/webhooks/${doomed}?tenant=${tenant}`)).status).toBe(204);
  expect((await stack.call('PATCH', `/v1/webhooks/${disabled}?tenant=${tenant}`, { is_enabled: false })).status).toBe(200);
  await expectCountersRight(tenant, { [`${good} PENDING`]: 5, [`${bad} PENDING`]: 5, [`${doomed} CANCELLED`]: 5, [`${disabled} CANCELLED`]: 5 });

  // deliveries: SUCCEEDED on the good webhook; a failed attempt, a retry, then EXPIRED on the bad one
  worker = await startWorkerRuntime(stack.config, createLogger({ level: 'silent', pretty: false }));
  await until(async () => (await fullCount(tenant))[`${bad} EXPIRED`] === 5, { timeoutMs: 30000 });
  const afterExpiry = { [`${good} SUCCEEDED`]: 5, [`${bad} EXPIRED`]: 5, [`${doomed} CANCELLED`]: 5, [`${disabled} CANCELLED`]: 5 };
  await expectCountersRight(tenant, afterExpiry);

  // sendexpired: back to PENDING, then (the endpoint recovered) SUCCEEDED
  flaky.respondWith({ status: 200 });
  const requeued = await stack.call('POST', '/v1/webhooks:sendexpired', { tenant, webhook_id: bad });
  expect(requeued.body).toEqual({ requeued: 5 });
  await until(async () => (await fullCount(tenant))[`${bad} SUCCEEDED`] === 5, { timeoutMs: 20000 });
  await expectCountersRight(tenant, { [`${good} SUCCEEDED`]: 5, [`${bad} SUCCEEDED`]: 5, [`${doomed} CANCELLED`]: 5, [`${disabled} CANCELLED`]: 5 });

  // resend: a CANCELLED one that now succeeds moves to SUCCEEDED; a SUCCEEDED one stays
  const { rows } = await db.query<{ id: string; webhook_id: string }>(
    `SELECT id, webhook_id FROM notifications WHERE tenant_id = $1 AND webhook_id = ANY($2::uuid[]) ORDER BY created_at`,
    [tenant, [good, disabled]],
  );
  const resendOne = async (webhookId: string) => {
    const id = rows.find((r) => r.webhook_id === webhookId)!.id;
    expect((await stack.call('POST', `/v1/notifications/${id}:resend?tenant=${tenant}`)).status).toBe(200);
  };
  await resendOne(good);
  await resendOne(disabled);
  await expectCountersRight(tenant, {
    [`${good} SUCCEEDED`]: 5,
    [`${bad} SUCCEEDED`]: 5,
    [`${doomed} CANCELLED`]: 5,
    [`${disabled} CANCELLED`]: 4,
    [`${disabled} SUCCEEDED`]: 1,
  });
});
