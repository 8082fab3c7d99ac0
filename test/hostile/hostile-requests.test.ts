/**
 * Hostile requests against every route of the API ("Nothing lost, nobody let
 * in", item 8). Each request is generated from a table, sent over raw
 * node:http (no fetch normalisation of paths, encodings or headers), and must
 * answer a 4xx application/problem+json `{type, title, status, detail}` with
 * no stack trace, leave the server answering /healthz, and change NOTHING:
 * every table of a database of this file's own (whole-table row counts and
 * checksums) and every Redis key under the stack's queue prefix are compared
 * before and after each request.
 *
 * The API runs without a worker (startStack(..., { worker: false })): a
 * worker would keep moving the seeded notification through its retries and
 * make "nothing changed" unobservable; any job a hostile request enqueued
 * still shows up as a new Redis key.
 *
 * The table is built in route-cases.ts (every operation), body-cases.ts
 * (JSON bodies, the batch envelope, list queries) and filter-schema-cases.ts;
 * attack.ts sends one case and compares the snapshots.
 */
import http from 'node:http';
import pg from 'pg';
import { Redis } from 'ioredis';
import { createIsolatedDatabase, type IsolatedDatabase } from '../support/isolated-db.js';
import { answerClientErrorsWithProblems } from '../../packages/api/src/middleware/client-error.js';
import { sendRaw, type RawRequest } from '../support/raw-http.js';
import { startStack, type Stack } from '../support/stack.js';
import { testRedisUrl, uniqueTenant } from '../support/env.js';
import { attack, snapshot, STACK_TRACE, type Target } from './attack.js';
import { addBodyAndQueryCases } from './body-cases.js';
import { addFilterAndSchemaCases } from './filter-schema-cases.js';
import { BATCH, type HostileCase, type HostileContext } from './hostile-context.js';
import { nestedArrays, nestedObjects, setRaw, SQL_IDS, withRaw } from './hostile-json.js';
import { addRouteCases } from './route-cases.js';

const TENANT = uniqueTenant('hostile');

let stack: Stack;
let ownDb: IsolatedDatabase | undefined;
let db: pg.Client;
let redis: Redis;
let port: number;
/** `METHOD /openapi/path` of every documented operation */
let operations: string[] = [];
const cases: HostileCase[] = [];
const seed: HostileContext['seed'] = { webhookId: '', notificationId: '', apiKeyId: '', tenantKey: '', eventType: '' };

const send = (r: RawRequest) => sendRaw(port, r);
const target = (): Target => ({ db, redis, queuePrefix: stack.config.queuePrefix, send });

/** Builds the table; needs the seed and the operation list. */
function buildCases(): void {
  const ctx: HostileContext = { tenant: TENANT, adminKey: stack.config.api.adminApiKey, seed, operations };
  const add = (route: string, name: string, request: RawRequest, expect?: number[]) => cases.push({ route, name, request, expect });
  addRouteCases(add, ctx);
  addBodyAndQueryCases(add, ctx);
  addFilterAndSchemaCases(add, { tenant: TENANT, webhookId: seed.webhookId, adminKey: ctx.adminKey, schemaType: 'HOSTILE.SCHEMA', eventType: seed.eventType });
}

// -------------------------------------------------------------- setup/teardown

beforeAll(async () => {
  // a database of this file's own, so that whole-table snapshots are exact
  ownDb = await createIsolatedDatabase('hostile');
  const dbUrl = ownDb.url;
  stack = await startStack({ DATABASE_URL: dbUrl }, { worker: false });
  port = Number(new URL(stack.api.url).port);
  db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  redis = new Redis(testRedisUrl());

  // seed: one webhook, one pending notification, one tenant key, one custom type
  const types = await stack.call('GET', `/v1/event-types?tenant=${TENANT}`);
  seed.eventType = (types.body.event_types as { name: string }[]).map((t) => t.name).find((n) => n !== 'WEBHOOK.PING')!;
  const webhook = await stack.call('POST', '/v1/webhooks', {
    tenant: TENANT,
    url: 'https://hooks.example.com/hook',
    enabled_events: ['*'],
    is_enabled: true,
    metadata: { a: 1 },
  });
  if (webhook.status !== 201) throw new Error(`seeding a webhook failed: ${JSON.stringify(webhook.body)}`);
  seed.webhookId = webhook.body.id;
  const event = await stack.call('POST', '/v1/events', { tenant: TENANT, type: seed.eventType, resource: { id: 1 } });
  expect(event.status).toBe(202);
  seed.notificationId = event.body.notification_ids[0];
  expect(seed.notificationId).toBeTruthy();
  const key = await stack.call('POST', '/v1/api-keys', { tenant: TENANT, name: 'hostile' });
  expect(key.status).toBe(201);
  seed.apiKeyId = key.body.id;
  seed.tenantKey = key.body.key;
  expect((await stack.call('POST', '/v1/event-types', { tenant: TENANT, name: 'HOSTILE.SEEDED' })).status).toBe(201);
  const schema = { type: 'object', required: ['id'], properties: { id: { type: 'integer' } } };
  expect((await stack.call('POST', '/v1/event-types', { tenant: TENANT, name: 'HOSTILE.SCHEMA', schema })).status).toBe(201);

  const doc = JSON.parse((await send({ method: 'GET', path: '/openapi.json' })).text) as { paths: Record<string, Record<string, unknown>> };
  operations = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
  buildCases();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await db?.end();
  redis?.disconnect();
  await ownDb?.drop();
}, 60_000);

// --------------------------------------------------------------------- tests

test('the OpenAPI document lists every route the app serves, and serves every route it lists', () => {
  const app = stack.api.server.listeners('request')[0] as unknown as { router: { stack: Layer[] } };
  interface Layer {
    route?: { path: string; methods: Record<string, boolean> };
    handle?: { stack?: Layer[] };
  }
  const served = new Set<string>();
  const walk = (layers: Layer[]) => {
    for (const layer of layers) {
      if (layer.route) {
        const path = layer.route.path
          .replaceAll('\\:', '\u0001')
          .replace(/:([A-Za-z0-9_]+)/g, '{$1}')
          .replaceAll('\u0001', ':');
        for (const [m, on] of Object.entries(layer.route.methods)) if (on && m !== '_all') served.add(`${m.toUpperCase()} ${path}`);
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk(app.router.stack);
  expect(served.size).toBeGreaterThan(10);
  expect([...served].sort()).toEqual([...operations].sort());
});

test('the hostile table has at least 50 requests and at least 3 against every documented route', () => {
  expect(operations.length).toBeGreaterThan(10);
  expect(cases.length).toBeGreaterThanOrEqual(50);
  const perRoute = new Map(operations.map((op) => [op, 0]));
  for (const c of cases) {
    expect(operations).toContain(c.route);
    perRoute.set(c.route, perRoute.get(c.route)! + 1);
  }
  const thin = [...perRoute].filter(([, n]) => n < 3);
  expect(thin).toEqual([]);
  // printed for the record
  process.stdout.write(`hostile requests: ${cases.length} over ${operations.length} routes\n`);
});

test('every hostile request answers a 4xx problem, leaks nothing and changes nothing', async () => {
  const failures: string[] = [];
  for (const c of cases) {
    const failure = await attack(target(), c);
    if (failure) failures.push(failure);
  }
  expect(failures).toEqual([]);
}, 600_000);

test('a batch whose every event is hostile answers 200 with a 4xx problem per event, leaks nothing and changes nothing', async () => {
  const ok = { type: seed.eventType, resource: { id: 1 } };
  const raw = (extra: string) => withRaw(ok, extra);
  const items: string[] = [
    'null',
    '42',
    '"hello"',
    JSON.stringify([ok]),
    nestedArrays(10_000),
    nestedObjects(10_000),
    setRaw(ok, 'resource', nestedObjects(10_000)),
    setRaw(ok, 'resource', nestedArrays(10_000)),
    setRaw(ok, 'resource', nestedObjects(70, '"\\u0000"')),
    raw('"__proto__":{"isAdmin":true,"tenant":"default"}'),
    raw('"constructor":{"prototype":{"polluted":true}}'),
    raw('"prototype":{"polluted":true}'),
    setRaw(ok, 'resource', '{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}'),
    setRaw(ok, 'idempotency_key', '"a\\u0000b"'),
    raw('"a\\u0000b":1'),
    setRaw(ok, 'idempotency_key', '"x\\ud800y"'),
    setRaw(ok, 'type', '"\\udc00"'),
    setRaw(ok, 'resource', '{"\\ud800":1}'),
    setRaw(ok, 'event_time', '1e400'),
    setRaw(ok, 'resource', '{"n":1e400}'),
    setRaw(ok, 'event_time', '-0'),
    setRaw(ok, 'type', JSON.stringify([ok.type])),
    setRaw(ok, 'tenant', JSON.stringify([TENANT])),
    ...SQL_IDS.map((id) => setRaw(ok, 'type', JSON.stringify(id))),
    setRaw(ok, 'tenant', JSON.stringify(SQL_IDS[1])),
    JSON.stringify({ ...ok, type: 'NO.SUCH_TYPE' }),
    JSON.stringify({ ...ok, colour: 'red' }),
    JSON.stringify({ ...ok, resource: { pad: 'x'.repeat(300_000) } }),
  ];
  const body = `{"tenant":${JSON.stringify(TENANT)},"events":[${items.join(',')}]}`;
  const before = await snapshot(target());
  const res = await send({
    method: 'POST',
    path: BATCH,
    headers: { authorization: `Bearer ${stack.config.api.adminApiKey}`, 'content-type': 'application/json' },
    body,
  });
  expect(res.status).toBe(200);
  expect(STACK_TRACE.test(res.text)).toBe(false);
  const results = JSON.parse(res.text).results as { index: number; status: number; id?: string; error?: Record<string, unknown> }[];
  expect(results.map((r) => r.index)).toEqual(items.map((_, i) => i));
  const wrong = results.filter(
    (r) => r.status < 400 || r.status >= 500 || r.id !== undefined || typeof r.error?.detail !== 'string' || r.error?.status !== r.status,
  );
  expect(wrong).toEqual([]);
  expect(results[results.length - 1].status).toBe(413);
  expect(await snapshot(target())).toEqual(before);
  expect((await send({ method: 'GET', path: '/healthz' })).status).toBe(200);
});

/** Over Node's 16 KiB header limit: refused by Node's HTTP parser before Express runs. */
function oversizedCases(): HostileCase[] {
  const admin = { authorization: `Bearer ${stack.config.api.adminApiKey}` };
  return [
    {
      route: 'GET /v1/webhooks',
      name: 'Authorization header of 64 KiB',
      request: { method: 'GET', path: '/v1/webhooks', headers: { authorization: `Bearer ${'A'.repeat(64 * 1024)}` } },
      expect: [431],
    },
    {
      route: 'DELETE /v1/webhooks/{id}',
      name: 'path of 64 KiB',
      request: { method: 'DELETE', path: `/v1/webhooks/${'a'.repeat(64 * 1024)}`, headers: admin },
      expect: [414, 431],
    },
    {
      route: 'POST /v1/events',
      name: '2,000 x-junk headers',
      request: { method: 'POST', path: '/v1/events', headers: { ...admin, 'x-junk': Array.from({ length: 2000 }, (_, i) => `v${i}`) } },
      expect: [431],
    },
  ];
}

test('requests over the header limit are refused with a 4xx, and change nothing', async () => {
  const failures: string[] = [];
  for (const c of oversizedCases()) {
    const failure = await attack(target(), c, { requireProblem: false });
    if (failure) failures.push(failure);
  }
  expect(failures).toEqual([]);
}, 60_000);

// Node answers these with a bare 431 and no body unless the server has a
// 'clientError' handler (packages/api/src/middleware/client-error.ts).
test('requests over the header limit are answered with problem+json', async () => {
  const failures: string[] = [];
  for (const c of oversizedCases()) {
    const failure = await attack(target(), c);
    if (failure) failures.push(failure);
  }
  expect(failures).toEqual([]);
}, 60_000);

test('answerClientErrorsWithProblems answers parser-refused requests with problem+json', async () => {
  const server = http.createServer((_req, res) => res.end('ok'));
  answerClientErrorsWithProblems(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const saved = port;
  port = (server.address() as { port: number }).port;
  try {
    for (const request of [
      { method: 'GET', path: '/', headers: { authorization: `Bearer ${'A'.repeat(64 * 1024)}` } },
      { method: 'GET', path: `/${'a'.repeat(64 * 1024)}` },
    ]) {
      const res = await send(request);
      expect(res.status).toBe(431);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(JSON.parse(res.text)).toMatchObject({ type: 'about:blank', title: 'Request Header Fields Too Large', status: 431, detail: expect.any(String) });
    }
  } finally {
    port = saved;
    await new Promise((resolve) => server.close(resolve));
  }
});

test('no prototype was polluted', () => {
  const probe = {} as Record<string, unknown>;
  expect(probe.polluted).toBeUndefined();
  expect(probe.isAdmin).toBeUndefined();
  expect(probe.tenant).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty('polluted');
});
