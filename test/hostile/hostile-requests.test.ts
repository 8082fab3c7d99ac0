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
 */
import http from 'node:http';
import pg from 'pg';
import { Redis } from 'ioredis';
import { createIsolatedDatabase, type IsolatedDatabase } from '../support/isolated-db.js';
import { answerClientErrorsWithProblems } from '../../packages/http/src/middleware/client-error.js';
import { startStack, type Stack } from '../support/stack.js';
import { testRedisUrl, uniqueTenant } from '../support/env.js';
import { addFilterAndSchemaCases } from './filter-schema-cases.js';

const MiB = 1024 * 1024;
const TABLES = ['tenants', 'api_keys', 'webhooks', 'event_types', 'events', 'notifications', 'attempts', 'portal_sessions'];
const TENANT = uniqueTenant('hostile');
const BATCH = '/v1/events:batch';

// ---------------------------------------------------------------- the stack

let stack: Stack;
let ownDb: IsolatedDatabase | undefined;
let db: pg.Client;
let redis: Redis;
let port: number;
/** `METHOD /openapi/path` of every documented operation */
let operations: string[] = [];

const seed = { webhookId: '', notificationId: '', apiKeyId: '', tenantKey: '', eventType: '' };

// ------------------------------------------------------------- raw requests

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

interface RawRequest {
  method: string;
  path: string;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
}

function send(r: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request({ host: '127.0.0.1', port, method: r.method, path: r.path, agent: false }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    for (const [name, value] of Object.entries(r.headers ?? {})) req.setHeader(name, value);
    if (r.body !== undefined) req.setHeader('content-length', Buffer.byteLength(r.body));
    // the server may answer (413, 405, 401) and close before it read a large body
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    req.end(r.body);
  });
}

// ------------------------------------------------------------------ snapshots

async function snapshot(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of TABLES) {
    const { rows } = await db.query(
      `SELECT count(*)::int AS n, coalesce(md5(string_agg(x::text, E'\\n' ORDER BY x::text)), '-') AS sum FROM "${table}" x`,
    );
    out[`db:${table}`] = `${rows[0].n} rows, md5 ${rows[0].sum}`;
  }
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${stack.config.queuePrefix}:*`, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  for (const key of keys.sort()) {
    const type = await redis.type(key);
    let value: unknown;
    if (type === 'string') value = await redis.get(key);
    else if (type === 'hash') value = await redis.hgetall(key);
    else if (type === 'list') value = await redis.lrange(key, 0, -1);
    else if (type === 'set') value = (await redis.smembers(key)).sort();
    else if (type === 'zset') value = await redis.zrange(key, 0, -1, 'WITHSCORES');
    else if (type === 'stream') value = await redis.xlen(key);
    out[`redis:${key}`] = `${type} ${JSON.stringify(value)}`;
  }
  return out;
}

// ------------------------------------------------------------------ the table

interface HostileCase {
  /** `METHOD /openapi/path` of the operation attacked */
  route: string;
  name: string;
  request: RawRequest;
  /** the exact statuses accepted (all 4xx); any 4xx when omitted */
  expect?: number[];
}

const cases: HostileCase[] = [];

const b64 = (s: string) => Buffer.from(s).toString('base64');
const nestedArrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const nestedObjects = (depth: number, leaf = '1') => '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);
/** a JSON object text: `base` with raw JSON `extra` members spliced in first */
const withRaw = (base: object, extra: string) => {
  const rest = JSON.stringify(base).slice(1, -1);
  return `{${extra}${rest ? `,${rest}` : ''}}`;
};
const without = (base: Record<string, unknown>, field: string) => Object.fromEntries(Object.entries(base).filter(([k]) => k !== field));
/** base with `field` set to raw JSON text `value` */
const setRaw = (base: Record<string, unknown>, field: string, value: string) => withRaw(without(base, field), `${JSON.stringify(field)}:${value}`);

const SQL_IDS = ["' OR 1=1 --", '1;DROP TABLE webhooks', "00000000-0000-4000-8000-000000000000' OR '1'='1"];

/** Per-body-route knowledge: a valid body, and which of its fields take a string / number / object / id. */
interface BodyRoute {
  method: string;
  path: string;
  base: () => Record<string, unknown>;
  strField: string;
  numField: string;
  objField: string;
  idField: string;
}

/** whether a concrete path matches an OpenAPI path template (`{id}` = one segment) */
function templateMatches(template: string, path: string): boolean {
  const parts = template.split(/\{[^}]+\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('[^/]+')}$`).test(path);
}

/** the operations' paths with `{id}` filled with a seeded id (so only the attack is wrong) */
function concrete(path: string): string {
  if (path.startsWith('/v1/webhooks/{id}')) return path.replace('{id}', seed.webhookId);
  if (path.startsWith('/v1/notifications/{id}')) return path.replace('{id}', seed.notificationId);
  if (path.startsWith('/v1/api-keys/{id}')) return path.replace('{id}', seed.apiKeyId);
  if (path.startsWith('/v1/event-types/{name}')) return path.replace('{name}', 'HOSTILE.SCHEMA');
  return path;
}

function bodyRoutes(): BodyRoute[] {
  const webhookUpdate = (method: string): BodyRoute => ({
    method, path: '/v1/webhooks/{id}', base: () => ({ description: 'changed by a hostile request' }),
    strField: 'description', numField: 'rate_limit', objField: 'metadata', idField: 'url',
  });
  return [
    {
      method: 'POST', path: '/v1/webhooks',
      base: () => ({ tenant: TENANT, url: 'https://hooks.example.com/new', enabled_events: ['*'], is_enabled: true }),
      strField: 'description', numField: 'rate_limit', objField: 'metadata', idField: 'url',
    },
    webhookUpdate('PUT'),
    webhookUpdate('PATCH'),
    { ...webhookUpdate('PATCH'), numField: 'max_in_flight', objField: 'ordered' },
    {
      method: 'POST', path: '/v1/api-keys', base: () => ({ tenant: TENANT, name: 'hostile' }),
      strField: 'name', numField: 'name', objField: 'name', idField: 'tenant',
    },
    {
      method: 'POST', path: '/v1/event-types', base: () => ({ tenant: TENANT, name: 'HOSTILE.NEW_TYPE', description: 'x' }),
      strField: 'description', numField: 'description', objField: 'description', idField: 'name',
    },
    {
      method: 'POST', path: '/v1/events', base: () => ({ tenant: TENANT, type: seed.eventType, resource: { id: 1 } }),
      strField: 'idempotency_key', numField: 'event_time', objField: 'resource', idField: 'type',
    },
    {
      method: 'POST', path: '/v1/webhooks/{id}:test-filter', base: () => ({ tenant: TENANT, event: { type: seed.eventType, resource: { id: 1 } } }),
      strField: 'tenant', numField: 'event', objField: 'event', idField: 'tenant',
    },
    {
      method: 'PUT', path: '/v1/event-types/{name}', base: () => ({ tenant: TENANT, description: 'changed by a hostile request' }),
      strField: 'description', numField: 'description', objField: 'schema', idField: 'tenant',
    },
    {
      method: 'POST', path: '/v1/events', base: () => ({ tenant: TENANT, type: seed.eventType, resource: { id: 1 } }),
      strField: 'ordering_key', numField: 'ordering_key', objField: 'ordering_key', idField: 'type',
    },
    ...['/v1/webhooks:search', '/v1/webhooks/search'].map((path): BodyRoute => ({
      method: 'POST', path, base: () => ({ tenant: TENANT }),
      strField: 'status', numField: 'limit', objField: 'webhook_id', idField: 'notification_id',
    })),
    // the history options of :search (order, updated_since) get the same attacks
    {
      method: 'POST', path: '/v1/webhooks:search', base: () => ({ tenant: TENANT, order: 'desc', updated_since: '2026-01-01T00:00:00Z' }),
      strField: 'order', numField: 'updated_since', objField: 'updated_since', idField: 'order',
    },
    {
      method: 'POST', path: '/v1/portal-sessions', base: () => ({ tenant: TENANT, ttl_seconds: 60, read_only: true }),
      strField: 'tenant', numField: 'ttl_seconds', objField: 'read_only', idField: 'tenant',
    },
    ...['/v1/webhooks:sendexpired', '/v1/webhooks/sendexpired'].map((path): BodyRoute => ({
      method: 'POST', path, base: () => ({ tenant: TENANT }),
      strField: 'webhook_id', numField: 'since', objField: 'notification_ids', idField: 'webhook_id',
    })),
  ];
}

/** Builds the table; needs the seed and the operation list. */
function buildCases(): void {
  const admin = { authorization: `Bearer ${stack.config.api.adminApiKey}` };
  const json = { ...admin, 'content-type': 'application/json' };
  const add = (route: string, name: string, request: RawRequest, expect?: number[]) => cases.push({ route, name, request, expect });

  const byPath = new Map<string, string[]>();
  for (const op of operations) {
    const [method, path] = op.split(' ');
    byPath.set(path, [...(byPath.get(path) ?? []), method]);
  }

  for (const op of operations) {
    const [method, path] = op.split(' ');
    const url = concrete(path);
    const isPublic = !path.startsWith('/v1/');

    // wrong HTTP methods on every documented path, with hostile bodies on top
    const wrong = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((m) => !byPath.get(path)!.includes(m));
    if (method === byPath.get(path)![0]) {
      for (const m of wrong) {
        // `/v1/webhooks/search` or `/v1/webhooks/<id>:ping` under GET is also `GET /v1/webhooks/{id}` (an unknown id)
        const overlaps = operations.some((o) => o !== op && o.startsWith(`${m} `) && templateMatches(o.slice(m.length + 1), url));
        add(op, `wrong method ${m} (deeply nested body)`, { method: m, path: url, headers: json, body: nestedArrays(10_000) }, overlaps ? [400, 404] : [405]);
      }
      add(op, 'wrong method TRACE', { method: 'TRACE', path: url, headers: admin }, [405]);
    }

    if (isPublic) {
      // public GET routes take no body and no auth: only methods and bodies can be hostile
      add(op, 'wrong method POST with invalid JSON', { method: 'POST', path: url, headers: { 'content-type': 'application/json' }, body: '{"a":' }, [405]);
      add(op, 'wrong method DELETE with a __proto__ body', { method: 'DELETE', path: url, headers: { 'content-type': 'application/json' }, body: '{"__proto__":{"polluted":1}}' }, [405]);
      continue;
    }

    // header abuse: every /v1 route wants exactly one Bearer token
    add(op, '"Bearer" with no token', { method, path: url, headers: { authorization: 'Bearer' } }, [401]);
    add(op, '"Bearer " with blank token', { method, path: url, headers: { authorization: 'Bearer    ' } }, [401]);
    add(op, 'two Authorization headers (Basic first)', { method, path: url, headers: { authorization: [`Basic ${b64('admin:admin')}`, admin.authorization] } }, [401]);
    add(op, 'two schemes in one Authorization header', { method, path: url, headers: { authorization: `${admin.authorization}, Basic ${b64('a:b')}` } }, [401]);
    add(op, 'huge Authorization header (12 KB)', { method, path: url, headers: { authorization: `Bearer ${'A'.repeat(12_000)}` } }, [401]);
    add(op, 'admin key with a NUL-free control suffix', { method, path: url, headers: { authorization: `${admin.authorization}\t\tx` } }, [401]);

    // bodies the parser must refuse, on every /v1 route (GET and DELETE included)
    add(op, 'invalid JSON', { method, path: url, headers: json, body: '{"url": ' }, [400]);
    add(op, 'text/plain body', { method, path: url, headers: { ...admin, 'content-type': 'text/plain' }, body: '{}' }, [415]);
    add(op, 'form-urlencoded body', { method, path: url, headers: { ...admin, 'content-type': 'application/x-www-form-urlencoded' }, body: 'tenant=a&url=x' }, [415]);
    add(op, 'multipart body', {
      method, path: url,
      headers: { ...admin, 'content-type': 'multipart/form-data; boundary=XyZ' },
      body: '--XyZ\r\nContent-Disposition: form-data; name="tenant"\r\n\r\na\r\n--XyZ--\r\n',
    }, [415]);
    add(op, 'body without a content type', { method, path: url, headers: admin, body: '{}' }, [415]);
    add(op, 'application/json; charset=iso-8859-1', { method, path: url, headers: { ...admin, 'content-type': 'application/json; charset=iso-8859-1' }, body: '{}' }, [415]);
    add(op, 'application/json; charset=utf-16', { method, path: url, headers: { ...admin, 'content-type': 'application/json; charset=utf-16' }, body: Buffer.from('{}', 'utf16le') }, [415]);
    if (path === BATCH) add(op, 'body above 8 MiB', { method, path: url, headers: json, body: JSON.stringify({ tenant: TENANT, events: [{ type: 'X', resource: 'x'.repeat(8 * MiB + 10) }] }) }, [413]);
    else add(op, 'body above 1 MiB', { method, path: url, headers: json, body: JSON.stringify({ tenant: TENANT, description: 'x'.repeat(MiB + 10) }) }, [413]);

    // query abuse
    add(op, 'repeated ?tenant=', { method, path: `${url}?tenant=${TENANT}&tenant=default`, headers: admin }, [400]);
    add(op, 'SQL in ?tenant=', { method, path: `${url}?tenant=${encodeURIComponent(SQL_IDS[0])}`, headers: admin }, [400]);
    add(op, 'unknown bracketed query param', { method, path: `${url}?tenant[$ne]=x`, headers: admin }, [400]);
    add(op, 'tenant key acting for another tenant', { method, path: `${url}?tenant=default`, headers: { authorization: `Bearer ${seed.tenantKey}` } }, [400, 403]);
  }

  // path-parameter abuse on every route with an {id}
  for (const op of operations.filter((o) => o.includes('{id}'))) {
    const [method, path] = op.split(' ');
    const ids: [string, string, number[]][] = [
      ['invalid percent-encoding', '%E0%A4%A', [400, 404]],
      ['percent-encoded lone surrogate', '%ED%A0%80', [400, 404]],
      ['bare %', '%', [400, 404]],
      ['NUL byte', '%00', [400, 404]],
      ['overlong id (8000 chars)', 'a'.repeat(8000), [404, 414]],
      ...SQL_IDS.map((id): [string, string, number[]] => [`SQL id ${JSON.stringify(id)}`, encodeURIComponent(id), [404]]),
    ];
    for (const [name, id, expect] of ids) {
      // a valid body where the route needs one, so that only the id is wrong
      const body = method === 'PUT' || method === 'PATCH'
        ? JSON.stringify({ description: 'x' })
        : path.endsWith('test-filter') ? JSON.stringify({ event: { type: seed.eventType, resource: {} } }) : undefined;
      add(op, `path id: ${name}`, { method, path: path.replace('{id}', id), headers: body ? json : admin, body }, expect);
    }
  }

  // JSON bodies that parse but must not pass
  for (const r of bodyRoutes()) {
    const op = `${r.method} ${r.path}`;
    const url = concrete(r.path);
    const base = r.base();
    const bodies: [string, string][] = [
      ['JSON null', 'null'],
      ['JSON number', '42'],
      ['JSON string', '"hello"'],
      ['JSON array of a valid body', JSON.stringify([base])],
      ['10,000-level nested arrays as the body', nestedArrays(10_000)],
      ['10,000-level nested objects as the body', nestedObjects(10_000)],
      [`10,000-level nested arrays in ${r.objField}`, setRaw(base, r.objField, nestedArrays(10_000))],
      [`10,000-level nested objects in ${r.objField}`, setRaw(base, r.objField, nestedObjects(10_000))],
      ['~1 MiB of nested arrays (500k levels)', nestedArrays(MiB / 2 - 64)],
      [`NUL byte 70 levels deep in ${r.objField}`, setRaw(base, r.objField, nestedObjects(70, '"\\u0000"'))],
      [`1 MiB string in ${r.strField} (within the body limit)`, setRaw(base, r.strField, JSON.stringify('x'.repeat(MiB - 4096)))],
      ['__proto__ key', withRaw(base, '"__proto__":{"isAdmin":true,"tenant":"default"}')],
      ['constructor key', withRaw(base, '"constructor":{"prototype":{"polluted":true}}')],
      ['prototype key', withRaw(base, '"prototype":{"polluted":true}')],
      [`__proto__ key inside ${r.objField}`, setRaw(base, r.objField, '{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}') + ''],
      [`NUL byte in ${r.strField}`, setRaw(base, r.strField, '"a\\u0000b"')],
      ['NUL byte in a key', withRaw(base, '"a\\u0000b":1')],
      [`lone surrogate in ${r.strField}`, setRaw(base, r.strField, '"x\\ud800y"')],
      [`lone surrogate in ${r.idField}`, setRaw(base, r.idField, '"\\udc00"')],
      [`lone surrogate key inside ${r.objField}`, setRaw(base, r.objField, '{"\\ud800":1}')],
      [`${r.numField} = 1e400`, setRaw(base, r.numField, '1e400')],
      [`${r.numField} = -0`, setRaw(base, r.numField, '-0')],
      [`${r.numField} = 2^64`, setRaw(base, r.numField, '18446744073709551616')],
      [`1e400 inside ${r.objField}`, setRaw(base, r.objField, '{"n":1e400}')],
      [`array for scalar ${r.idField}`, setRaw(base, r.idField, JSON.stringify([base[r.idField] ?? 'x']))],
      ['array for scalar tenant', setRaw(base, 'tenant', JSON.stringify([TENANT]))],
      ...SQL_IDS.map((id): [string, string] => [`SQL in ${r.idField}: ${id}`, setRaw(base, r.idField, JSON.stringify(id))]),
      [`SQL in tenant`, setRaw(base, 'tenant', JSON.stringify(SQL_IDS[1]))],
    ];
    // an event over MAX_EVENT_BYTES (256 KiB by default) is a 413
    const tooLarge = (name: string) => r.path === '/v1/events' && name.startsWith('1 MiB string');
    for (const [name, body] of bodies) add(op, name, { method: r.method, path: url, headers: json, body }, tooLarge(name) ? [413] : [400]);
  }

  // the batch envelope: anything wrong with it refuses the whole batch (400/413) and publishes nothing
  const batchOp = `POST ${BATCH}`;
  const item = () => ({ type: seed.eventType, resource: { id: 1 } });
  const envelope = { tenant: TENANT, events: [item()] };
  const envelopeBodies: [string, string, number[]?][] = [
    ['JSON null', 'null'],
    ['JSON number', '42'],
    ['JSON string', '"hello"'],
    ['JSON array of valid events', JSON.stringify([item()])],
    ['no events', JSON.stringify({ tenant: TENANT })],
    ['events: null', setRaw(envelope, 'events', 'null')],
    ['events: an object', setRaw(envelope, 'events', JSON.stringify(item()))],
    ['events: a JSON string', setRaw(envelope, 'events', JSON.stringify(JSON.stringify([item()])))],
    ['zero events', setRaw(envelope, 'events', '[]')],
    ['501 events', setRaw(envelope, 'events', JSON.stringify(Array.from({ length: 501 }, item)))],
    ['a huge array of 1,000,000 zeros', setRaw(envelope, 'events', `[${'0,'.repeat(999_999)}0]`)],
    ['a huge array of 100,000 valid events', setRaw(envelope, 'events', `[${Array.from({ length: 100_000 }, () => JSON.stringify(item())).join(',')}]`)],
    ['10,000-level nested objects as events', setRaw(envelope, 'events', nestedObjects(10_000))],
    ['10,000-level nested arrays as the body', nestedArrays(10_000)],
    ['10,000-level nested objects as the body', nestedObjects(10_000)],
    ['~3 MiB of nested arrays (1.5M levels)', nestedArrays(1.5 * MiB)],
    ['nested junk in an unknown envelope field', withRaw(envelope, `"junk":${nestedObjects(5_000, nestedArrays(5_000))}`)],
    ['an unknown envelope field', withRaw(envelope, '"dry_run":true')],
    ['__proto__ key', withRaw(envelope, '"__proto__":{"isAdmin":true,"tenant":"default"}')],
    ['constructor key', withRaw(envelope, '"constructor":{"prototype":{"polluted":true}}')],
    ['prototype key', withRaw(envelope, '"prototype":{"polluted":true}')],
    ['NUL byte in tenant', setRaw(envelope, 'tenant', '"a\\u0000b"')],
    ['lone surrogate in tenant', setRaw(envelope, 'tenant', '"\\udc00"')],
    ['array for scalar tenant', setRaw(envelope, 'tenant', JSON.stringify([TENANT]))],
    ['tenant = 1e400', setRaw(envelope, 'tenant', '1e400')],
    ...SQL_IDS.map((id): [string, string] => [`SQL in tenant: ${id}`, setRaw(envelope, 'tenant', JSON.stringify(id))]),
    ['8 MiB + 1 of events', JSON.stringify({ tenant: TENANT, events: Array.from({ length: 40 }, (_, i) => ({ ...item(), resource: { i, pad: 'p'.repeat(210_000) } })) }), [413]],
  ];
  for (const [name, body, expect] of envelopeBodies) add(batchOp, `envelope: ${name}`, { method: 'POST', path: BATCH, headers: json, body }, expect ?? [400]);
  add(batchOp, 'envelope: a tenant key naming another tenant', {
    method: 'POST', path: BATCH, headers: { authorization: `Bearer ${seed.tenantKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...envelope, tenant: 'default' }),
  }, [403]);

  // list query: numbers, repeats and arrays where scalars belong
  const list = 'GET /v1/webhooks';
  for (const [name, query] of [
    ['repeated limit', 'limit=1&limit=2'],
    ['limit=1e400', 'limit=1e400'],
    ['limit=-0', 'limit=-0'],
    ['limit=2^64', 'limit=18446744073709551616'],
    ['limit=NaN', 'limit=NaN'],
    ['limit as array', 'limit[]=1'],
    ['is_enabled repeated', 'is_enabled=true&is_enabled=false'],
    ['SQL in event_type', `event_type=${encodeURIComponent(SQL_IDS[1])}`],
    ['SQL in page_token', `page_token=${encodeURIComponent(SQL_IDS[0])}`],
    ['page token holding an SQL id', `page_token=${Buffer.from(JSON.stringify(['2020-01-01T00:00:00Z', SQL_IDS[2]])).toString('base64url')}`],
    ['page token holding a huge date', `page_token=${Buffer.from(JSON.stringify(['+275760-09-13T00:00:00.001Z', '00000000-0000-4000-8000-000000000000'])).toString('base64url')}`],
    ['page token that is a JSON object', `page_token=${Buffer.from('{"__proto__":{"a":1}}').toString('base64url')}`],
    ['page token longer than allowed', `page_token=${'A'.repeat(600)}`],
    ['invalid percent-encoding in the query', 'tenant=%E0%A4%A'],
    ['lone surrogate in the query', 'event_type=%ED%A0%80'],
    ['NUL in the query', 'tenant=%00'],
    ['__proto__ as a query param', '__proto__=1'],
  ] as const) {
    add(list, `query: ${name}`, { method: 'GET', path: `/v1/webhooks?${query}`, headers: admin }, [400]);
  }

  addFilterAndSchemaCases(add, { tenant: TENANT, webhookId: seed.webhookId, adminKey: stack.config.api.adminApiKey, schemaType: 'HOSTILE.SCHEMA', eventType: seed.eventType });
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
  const webhook = await stack.call('POST', '/v1/webhooks', { tenant: TENANT, url: 'https://hooks.example.com/hook', enabled_events: ['*'], is_enabled: true, metadata: { a: 1 } });
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

const STACK_TRACE = /\n\s+at |\bat [^\s]+ \(|\bat .*:\d+:\d+|node_modules|\/work\/|\/src\/|\.[cm]?[jt]s:\d+|Error: |PrismaClient|prisma\./i;

test('the OpenAPI document lists every route the app serves, and serves every route it lists', () => {
  const app = stack.api.server.listeners('request')[0] as unknown as { router: { stack: Layer[] } };
  interface Layer { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } }
  const served = new Set<string>();
  const walk = (layers: Layer[]) => {
    for (const layer of layers) {
      if (layer.route) {
        const path = layer.route.path.replace(/\\:/g, '\u0001').replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\u0001/g, ':');
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

/** Sends one hostile case and returns what is wrong with the answer and the aftermath (nothing, ideally). */
async function attack(c: HostileCase, { requireProblem = true } = {}): Promise<string | null> {
  const label = `${c.route} — ${c.name}`;
  const before = await snapshot();
  let res: RawResponse;
  try {
    res = await send(c.request);
  } catch (error) {
    return `${label}: request failed: ${(error as Error).message}`;
  }
  const problems: string[] = [];
  if (res.status < 400 || res.status >= 500) problems.push(`status ${res.status}`);
  if (c.expect && !c.expect.includes(res.status)) problems.push(`status ${res.status}, expected ${c.expect.join('/')}`);
  if (requireProblem) {
    if (!/^application\/problem\+json/.test(String(res.headers['content-type']))) problems.push(`content-type ${res.headers['content-type']}`);
    let body: Record<string, unknown> | undefined;
    try {
      body = JSON.parse(res.text);
    } catch {
      problems.push('body is not JSON');
    }
    if (body) {
      for (const field of ['type', 'title', 'detail']) if (typeof body[field] !== 'string') problems.push(`no string ${field}`);
      if (body.status !== res.status) problems.push(`body status ${String(body.status)} ≠ ${res.status}`);
    }
  }
  if (STACK_TRACE.test(res.text)) problems.push(`leaks internals: ${res.text.slice(0, 300)}`);
  const health = await send({ method: 'GET', path: '/healthz' }).catch((e: Error) => ({ status: 0, text: e.message }) as RawResponse);
  if (health.status !== 200) problems.push(`/healthz answered ${health.status} afterwards`);
  const after = await snapshot();
  const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => before[k] !== after[k]);
  if (changed.length) problems.push(`changed: ${changed.join(', ')}`);
  return problems.length ? `${label}: ${problems.join('; ')} — ${res.text.slice(0, 200)}` : null;
}

test('every hostile request answers a 4xx problem, leaks nothing and changes nothing', async () => {
  const failures: string[] = [];
  for (const c of cases) {
    const failure = await attack(c);
    if (failure) failures.push(failure);
  }
  expect(failures).toEqual([]);
}, 600_000);

test('a batch whose every event is hostile answers 200 with a 4xx problem per event, leaks nothing and changes nothing', async () => {
  const ok = { type: seed.eventType, resource: { id: 1 } };
  const raw = (extra: string) => withRaw(ok, extra);
  const items: string[] = [
    'null', '42', '"hello"', JSON.stringify([ok]), nestedArrays(10_000), nestedObjects(10_000),
    setRaw(ok, 'resource', nestedObjects(10_000)), setRaw(ok, 'resource', nestedArrays(10_000)),
    setRaw(ok, 'resource', nestedObjects(70, '"\\u0000"')),
    raw('"__proto__":{"isAdmin":true,"tenant":"default"}'), raw('"constructor":{"prototype":{"polluted":true}}'), raw('"prototype":{"polluted":true}'),
    setRaw(ok, 'resource', '{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}'),
    setRaw(ok, 'idempotency_key', '"a\\u0000b"'), raw('"a\\u0000b":1'), setRaw(ok, 'idempotency_key', '"x\\ud800y"'),
    setRaw(ok, 'type', '"\\udc00"'), setRaw(ok, 'resource', '{"\\ud800":1}'), setRaw(ok, 'event_time', '1e400'), setRaw(ok, 'resource', '{"n":1e400}'),
    setRaw(ok, 'event_time', '-0'), setRaw(ok, 'type', JSON.stringify([ok.type])), setRaw(ok, 'tenant', JSON.stringify([TENANT])),
    ...SQL_IDS.map((id) => setRaw(ok, 'type', JSON.stringify(id))), setRaw(ok, 'tenant', JSON.stringify(SQL_IDS[1])),
    JSON.stringify({ ...ok, type: 'NO.SUCH_TYPE' }), JSON.stringify({ ...ok, colour: 'red' }),
    JSON.stringify({ ...ok, resource: { pad: 'x'.repeat(300_000) } }),
  ];
  const body = `{"tenant":${JSON.stringify(TENANT)},"events":[${items.join(',')}]}`;
  const before = await snapshot();
  const res = await send({ method: 'POST', path: BATCH, headers: { authorization: `Bearer ${stack.config.api.adminApiKey}`, 'content-type': 'application/json' }, body });
  expect(res.status).toBe(200);
  expect(STACK_TRACE.test(res.text)).toBe(false);
  const results = JSON.parse(res.text).results as { index: number; status: number; id?: string; error?: Record<string, unknown> }[];
  expect(results.map((r) => r.index)).toEqual(items.map((_, i) => i));
  const wrong = results.filter((r) => r.status < 400 || r.status >= 500 || r.id !== undefined || typeof r.error?.detail !== 'string' || r.error?.status !== r.status);
  expect(wrong).toEqual([]);
  expect(results[results.length - 1].status).toBe(413);
  expect(await snapshot()).toEqual(before);
  expect((await send({ method: 'GET', path: '/healthz' })).status).toBe(200);
});

/** Over Node's 16 KiB header limit: refused by Node's HTTP parser before Express runs. */
function oversizedCases(): HostileCase[] {
  const admin = { authorization: `Bearer ${stack.config.api.adminApiKey}` };
  return [
    { route: 'GET /v1/webhooks', name: 'Authorization header of 64 KiB', request: { method: 'GET', path: '/v1/webhooks', headers: { authorization: `Bearer ${'A'.repeat(64 * 1024)}` } }, expect: [431] },
    { route: 'DELETE /v1/webhooks/{id}', name: 'path of 64 KiB', request: { method: 'DELETE', path: `/v1/webhooks/${'a'.repeat(64 * 1024)}`, headers: admin }, expect: [414, 431] },
    { route: 'POST /v1/events', name: '2,000 x-junk headers', request: { method: 'POST', path: '/v1/events', headers: { ...admin, 'x-junk': Array.from({ length: 2000 }, (_, i) => `v${i}`) } }, expect: [431] },
  ];
}

test('requests over the header limit are refused with a 4xx, and change nothing', async () => {
  const failures: string[] = [];
  for (const c of oversizedCases()) {
    const failure = await attack(c, { requireProblem: false });
    if (failure) failures.push(failure);
  }
  expect(failures).toEqual([]);
}, 60_000);

// Node answers these with a bare 431 and no body unless the server has a
// 'clientError' handler (packages/http/src/middleware/client-error.ts).
test('requests over the header limit are answered with problem+json', async () => {
  const failures: string[] = [];
  for (const c of oversizedCases()) {
    const failure = await attack(c);
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
