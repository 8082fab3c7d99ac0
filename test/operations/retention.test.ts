/**
 * Retention across two real worker processes sharing one database and queue
 * prefix (a database of its own: the sweep is fleet-wide). Events published
 * and delivered through the real pipeline are then aged with SQL (their
 * created_at moved 31 days back); the sweep must delete exactly the old
 * events whose notifications are all final, with their notifications and
 * attempts, and keep PENDING work, recent events and an old event with one
 * notification still PENDING whole. Only one replica sweeps at a time, once
 * per RETENTION_SWEEP_INTERVAL_MS; each sweep is logged and counted in
 * /metrics; counters stay equal to a full count.
 */
import pg from 'pg';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { startStack, until, type Stack } from '../support/stack.js';
import { createIsolatedDatabase, type IsolatedDatabase } from '../support/isolated-db.js';
import { startWorkerProcess, type AppProcess, type LogLine } from '../support/processes.js';
import { uniqueTenant } from '../support/env.js';

const INTERVAL_MS = 1000;

let isolated: IsolatedDatabase;
let stack: Stack;
let db: pg.Client;
let ok: Receiver;
let failing: Receiver;
let gone: Receiver;
const workers: AppProcess[] = [];

beforeAll(async () => {
  isolated = await createIsolatedDatabase('retention');
  stack = await startStack({ DATABASE_URL: isolated.url, RETRY_SCHEDULE: '60' }, { worker: false });
  db = new pg.Client({ connectionString: isolated.url });
  await db.connect();
  [ok, failing, gone] = await Promise.all([startReceiver({ status: 200 }), startReceiver({ status: 503 }), startReceiver({ status: 410 })]);
  const env = {
    DATABASE_URL: isolated.url,
    QUEUE_PREFIX: stack.config.queuePrefix,
    RETRY_SCHEDULE: '60',
    RETENTION_DAYS: '30',
    RETENTION_SWEEP_INTERVAL_MS: String(INTERVAL_MS),
    WORKER_METRICS_PORT: '0',
  };
  workers.push(...(await Promise.all([startWorkerProcess(env), startWorkerProcess(env)])));
}, 120_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill()));
  await stack?.stop();
  await db?.end();
  await Promise.all([ok, failing, gone].map((r) => r?.close()));
  await isolated?.drop();
});

const ids = async (sql: string, values: unknown[]) => (await db.query<{ id: string }>(sql, values)).rows.map((r) => r.id).sort();
const sweepsOf = (w: AppProcess) => w.logs.filter((l: LogLine) => l.msg === 'retention sweep');

test('deletes old, final history and nothing else; one replica sweeps at a time', async () => {
  const tenant = uniqueTenant('ret');
  const hook = async (url: string, events: string[]) =>
    (await stack.call('POST', '/v1/webhooks', { tenant, url, enabled_events: events, is_enabled: true })).body.id as string;
  await hook(ok.url, ['CARD.*']);
  await hook(failing.url, ['CARD.UPDATED']); // stays PENDING after one failed attempt
  await hook(gone.url, ['CARD.IMAGE.CREATED']); // 410: CANCELLED at once
  const publish = async (type: string) => (await stack.call('POST', '/v1/events', { tenant, type, resource: { type } })).body.id as string;

  const oldDone = [await publish('CARD.CREATED'), await publish('CARD.CREATED'), await publish('CARD.CREATED')];
  const oldCancelled = await publish('CARD.IMAGE.CREATED'); // SUCCEEDED + CANCELLED
  const oldMixed = await publish('CARD.UPDATED'); // SUCCEEDED + PENDING
  const oldNone = await publish('TRANSACTION.CREATED'); // no webhook: no notification
  const recent = [await publish('CARD.CREATED'), await publish('CARD.UPDATED')];
  const all = [...oldDone, oldCancelled, oldMixed, oldNone, ...recent];

  // wait until every delivery happened: 9 attempts (one per notification)
  await until(
    async () => {
      const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM notifications n WHERE event_id = ANY($1::uuid[]) AND attempt_count >= 1`, [
        all,
      ]);
      return rows[0]!.n === 10;
    },
    { timeoutMs: 30_000 },
  );
  const notificationsOf = (events: string[]) => ids(`SELECT id::text AS id FROM notifications WHERE event_id = ANY($1::uuid[])`, [events]);
  const doomedEvents = [...oldDone, oldCancelled, oldNone];
  const doomedNotifications = await notificationsOf(doomedEvents);
  const keptNotifications = await notificationsOf([oldMixed, ...recent]);
  expect(doomedNotifications).toHaveLength(5);
  expect(keptNotifications).toHaveLength(5);
  expect((await db.query(`SELECT 1 FROM notifications WHERE event_id = $1 AND status = 'PENDING'`, [oldMixed])).rowCount).toBe(1);

  // age the old ones
  await db.query(`UPDATE events SET created_at = now() - interval '31 days' WHERE id = ANY($1::uuid[])`, [[...doomedEvents, oldMixed]]);

  await until(async () => (await ids(`SELECT id::text AS id FROM events WHERE id = ANY($1::uuid[])`, [doomedEvents])).length === 0, { timeoutMs: 15_000 });
  // a few more sweeps: nothing else goes
  await new Promise((r) => setTimeout(r, 3 * INTERVAL_MS));

  expect(await ids(`SELECT id::text AS id FROM events WHERE id = ANY($1::uuid[])`, [all])).toEqual([oldMixed, ...recent].sort());
  expect(await notificationsOf(all)).toEqual(keptNotifications);
  expect((await db.query(`SELECT 1 FROM attempts WHERE notification_id = ANY($1::uuid[])`, [doomedNotifications])).rowCount).toBe(0);
  expect((await db.query(`SELECT 1 FROM attempts WHERE notification_id = ANY($1::uuid[])`, [keptNotifications])).rowCount).toBe(5);
  // a deleted notification's id answers 404; a kept one 200
  expect((await stack.call('GET', `/v1/notifications/${doomedNotifications[0]}`)).status).toBe(404);
  expect((await stack.call('GET', `/v1/notifications/${keptNotifications[0]}`)).status).toBe(200);
  // the counters followed the deletes
  const full = await db.query(`SELECT webhook_id, status::text, count(*)::int AS n FROM notifications GROUP BY 1, 2 ORDER BY 1, 2`);
  const counted = await db.query(
    `SELECT webhook_id, status::text, sum(count)::int AS n FROM notification_counters GROUP BY 1, 2 HAVING sum(count) <> 0 ORDER BY 1, 2`,
  );
  expect(counted.rows).toEqual(full.rows);

  // each sweep logged with its counts and duration; together they deleted exactly the doomed rows
  const sweeps = workers.flatMap((w) => sweepsOf(w).map((l) => ({ worker: w.pid, line: l })));
  const total = (table: string) => sweeps.reduce((sum, s) => sum + Number((s.line.deleted as Record<string, number>)[table]), 0);
  expect([total('events'), total('notifications'), total('attempts')]).toEqual([5, 5, 5]);
  for (const { line } of sweeps) expect(typeof line.duration_ms).toBe('number');

  // one replica at a time, once per interval: sweep starts (both processes together) never closer than the interval,
  // and a sweep never starts before the previous one ended
  const starts = sweeps
    .map((s) => ({ start: Date.parse(String(s.line.started_at)), end: Date.parse(String(s.line.started_at)) + Number(s.line.duration_ms) }))
    .sort((a, b) => a.start - b.start);
  expect(starts.length).toBeGreaterThanOrEqual(3);
  for (let i = 1; i < starts.length; i += 1) {
    expect(starts[i]!.start - starts[i - 1]!.start).toBeGreaterThanOrEqual(INTERVAL_MS - 50);
    expect(starts[i]!.start).toBeGreaterThanOrEqual(starts[i - 1]!.end);
  }
});

test('each worker counts its sweeps and deleted rows in /metrics', async () => {
  let sweepsSeen = 0;
  for (const worker of workers) {
    const line = await worker.waitForLog((l) => l.msg === 'worker metrics listening');
    const text = await (await fetch(`http://127.0.0.1:${String(line.port)}/metrics`)).text();
    expect(text).toMatch(/hookrelay_retention_sweep_duration_seconds_count \d+/);
    const completed = /hookrelay_retention_sweeps_total\{result="completed"\} (\d+)/.exec(text);
    sweepsSeen += completed ? Number(completed[1]) : 0;
  }
  expect(sweepsSeen).toBeGreaterThanOrEqual(3);
});
