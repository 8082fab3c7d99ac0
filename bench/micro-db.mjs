// Micro-benchmark of the Postgres part of the hot paths, Prisma (as the
// services use it) against plain `pg` running the same SQL, in this one
// process: ops/s and CPU ms per op of this process (Postgres' own CPU is not
// included). Used to size the "Prisma overhead" bottleneck in
// bench/README.md.
//   node bench/micro-db.mjs [--ops=2000] [--concurrency=16]
// Needs `pnpm build`. Creates and drops its own database; no Redis, no HTTP.
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const imp = (p) => import(pathToFileURL(path.join(root, p)).href);
const { migrateDatabase } = await imp('prisma/migrate.mjs');
const { createPrismaClient, DeliveryStore, FanOutStore } = await imp('packages/db/dist/index.js');
const { EventIngestService, EventCatalog } = await imp('packages/ingest/dist/index.js');

const arg = (n, d) => Number((process.argv.find((a) => a.startsWith(`--${n}=`)) ?? `=${d}`).split('=')[1]);
const OPS = arg('ops', 2000);
const CONC = arg('concurrency', 16);
const ADMIN = process.env.DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const name = `hookrelay_bench_micro_${randomBytes(4).toString('hex')}`;
const url = (() => {
  const u = new URL(ADMIN);
  u.pathname = `/${name}`;
  return u.toString();
})();

async function measure(label, fn) {
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONC }, async () => {
      while (next < OPS) await fn(next++);
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const r = { label, ops_per_s: Math.round(OPS / secs), cpu_ms_per_op: +((cpu.user + cpu.system) / 1000 / OPS).toFixed(3) };
  console.log(`${label.padEnd(44)} ${String(r.ops_per_s).padStart(7)} ops/s  ${r.cpu_ms_per_op.toFixed(3).padStart(7)} CPU ms/op (this process)`);
  return r;
}

// dropping the database WITH (FORCE) ends pooled connections that Prisma keeps: expected
process.on('uncaughtException', (e) => {
  if (e?.code === '57P01') return;
  console.error(e);
  process.exit(1);
});
const admin = new pg.Client({ connectionString: ADMIN });
await admin.connect();
let prisma;
let pool;
try {
  await migrateDatabase(url);
  prisma = createPrismaClient({ url, poolSize: 13 });
  pool = new pg.Pool({ connectionString: url, max: 13 });
  const tenant = 'micro';
  await pool.query(`INSERT INTO tenants (id) VALUES ($1) ON CONFLICT DO NOTHING`, [tenant]);
  for (let i = 0; i < 20; i++) {
    await pool.query(
      `INSERT INTO webhooks (id, tenant_id, url, enabled_events, is_enabled, metadata, secret, created_at, updated_at)
       VALUES ($1, $2, $3, $4, true, '{}', $5, now(), now())`,
      [randomUUID(), tenant, `http://127.0.0.1:9/${i}`, ['CARD.CREATED'], `whsec_${randomBytes(24).toString('base64')}`],
    );
  }
  const noQueue = { enqueue: async () => undefined };
  const silent = { info() {}, warn() {}, error() {}, debug() {} };
  const ingest = new EventIngestService(prisma, new FanOutStore(pool), new EventCatalog(prisma), noQueue, silent);
  const store = new DeliveryStore(pool);

  console.log(`${OPS} ops, concurrency ${CONC}, pool 13`);
  // warm-up
  for (let i = 0; i < 50; i++) await ingest.ingest(tenant, { type: 'CARD.CREATED', resource: { w: i } });

  // 1. fan-out of one event into 20 notifications (what POST /v1/events and the events worker do)
  await measure('ingest: EventIngestService (FanOutStore, batched)', (i) => ingest.ingest(tenant, { type: 'CARD.CREATED', resource: { i } }));
  await measure('ingest: plain pg, same SQL in a transaction', async (i) => {
    const c = await pool.connect();
    try {
      const id = randomUUID();
      await c.query('BEGIN');
      await c.query(`INSERT INTO events (id, tenant_id, type, resource, event_time, created_at) VALUES ($1, $2, $3, $4, now(), now()) RETURNING *`, [
        id,
        tenant,
        'CARD.CREATED',
        JSON.stringify({ i }),
      ]);
      const { rows } = await c.query(
        `SELECT id FROM webhooks WHERE tenant_id = $1 AND is_enabled AND deleted_at IS NULL AND enabled_events && $2::text[] ORDER BY id`,
        [tenant, ['CARD.CREATED', '*', 'CARD.*']],
      );
      const ids = rows.map(() => randomUUID());
      await c.query(
        `INSERT INTO notifications (id, tenant_id, event_id, webhook_id, type, status, next_attempt_at, created_at, updated_at)
         SELECT n, $2, $3, w, $4, 'PENDING', now(), now(), now() FROM unnest($1::uuid[], $5::uuid[]) AS t(n, w)`,
        [ids, tenant, id, 'CARD.CREATED', rows.map((r) => r.id)],
      );
      await c.query('COMMIT');
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  });
  await measure('ingest: plain pg, one statement (CTE)', async (i) => {
    await pool.query(
      `WITH e AS (INSERT INTO events (id, tenant_id, type, resource, event_time, created_at) VALUES ($1, $2, $3, $4, now(), now()) RETURNING id)
       INSERT INTO notifications (id, tenant_id, event_id, webhook_id, type, status, next_attempt_at, created_at, updated_at)
       SELECT gen_random_uuid(), $2, e.id, w.id, $3, 'PENDING', now(), now(), now()
       FROM e, webhooks w WHERE w.tenant_id = $2 AND w.is_enabled AND w.deleted_at IS NULL AND w.enabled_events && $5::text[]
       RETURNING id`,
      [randomUUID(), tenant, 'CARD.CREATED', JSON.stringify({ i }), ['CARD.CREATED', '*', 'CARD.*']],
    );
  });

  // 1b. where the Prisma ingest time goes: each piece alone
  const ev = (i) => ({
    id: randomUUID(),
    tenantId: tenant,
    type: 'CARD.CREATED',
    resource: JSON.stringify({ i }),
    changedFields: null,
    eventTime: new Date(),
    idempotencyKey: null,
  });
  await measure('  Prisma event.create alone', (i) => prisma.event.create({ data: ev(i) }));
  const hookIds = (await pool.query(`SELECT id FROM webhooks WHERE tenant_id = $1`, [tenant])).rows.map((r) => r.id);
  const someEvent = (await pool.query(`SELECT id FROM events LIMIT 1`)).rows[0].id;
  const notifRows = () =>
    hookIds.map((w) => ({ id: randomUUID(), tenantId: tenant, eventId: someEvent, webhookId: w, type: 'CARD.CREATED', nextAttemptAt: new Date() }));
  await measure('  Prisma notification.createMany (20 rows) alone', () => prisma.notification.createMany({ data: notifRows() }));
  await measure('  Prisma notification.createMany (1 row) alone', () => prisma.notification.createMany({ data: notifRows().slice(0, 1) }));
  await measure('  Prisma $transaction(async tx => SELECT 1)', () => prisma.$transaction(async (tx) => tx.$queryRaw`SELECT 1`));
  await measure('  Prisma $queryRaw SELECT 1 (no transaction)', () => prisma.$queryRaw`SELECT 1`);

  // 2. a delivery's two statements: load the context, record the attempt
  const { rows: pending } = await pool.query(`SELECT id FROM notifications WHERE status = 'PENDING' ORDER BY id LIMIT $1`, [OPS * 3]);
  const ids = pending.map((r) => r.id);
  const attempt = (id) => ({
    notificationId: id,
    attemptNumber: 1,
    attemptedAt: new Date(),
    durationMs: 1,
    statusCode: 200,
    responseBody: '',
    error: null,
    trigger: 'schedule',
  });
  const loadSql = `SELECT n.id, n.status, n.attempt_count, n.cycle_attempts, n.type, e.id AS event_id, e.event_time, e.resource,
      e.changed_fields, w.id AS webhook_id, w.url, w.metadata, w.secret, w.is_enabled, w.deleted_at
    FROM notifications n JOIN events e ON e.id = n.event_id JOIN webhooks w ON w.id = n.webhook_id WHERE n.id = $1::uuid`;
  const recordSql = `WITH a AS (INSERT INTO attempts (id, notification_id, attempt_number, attempted_at, duration_ms, status_code, response_body, error, trigger)
      VALUES (gen_random_uuid(), $1::uuid, 1, now(), 1, 200, '', NULL, 'schedule') ON CONFLICT (notification_id, attempt_number) DO NOTHING)
    UPDATE notifications SET status = 'SUCCEEDED', attempt_count = attempt_count + 1, cycle_attempts = cycle_attempts + 1,
      next_attempt_at = NULL, last_status_code = 200, delivered_at = now(), updated_at = now() WHERE id = $1::uuid AND status = 'PENDING'`;
  await measure('delivery: plain pg, same two statements', async (i) => {
    const id = ids[OPS + i];
    await pool.query({ name: 'load', text: loadSql, values: [id] });
    await pool.query({ name: 'record', text: recordSql, values: [id] });
  });
  await measure('delivery: Prisma, same two statements', async (i) => {
    const id = ids[i];
    await prisma.$queryRawUnsafe(loadSql.replace('$1::uuid', `'${id}'::uuid`));
    await prisma.$executeRawUnsafe(recordSql.replaceAll('$1::uuid', `'${id}'::uuid`));
  });
  await measure('delivery: DeliveryStore load + record (batched)', async (i) => {
    const id = ids[2 * OPS + i];
    await store.load(id);
    await store.record(attempt(id), { status: 'SUCCEEDED' });
  });
} finally {
  await prisma?.$disconnect().catch(() => undefined);
  await pool?.end().catch(() => undefined);
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch((e) => console.error(`drop ${name}: ${e.message}`));
  await admin.end();
}
