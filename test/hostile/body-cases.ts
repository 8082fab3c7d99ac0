/**
 * JSON bodies that parse but must not pass, per route that takes a body;
 * the batch envelope; and the webhook list's query. A new route with a JSON
 * body gets an entry in `bodyRoutes()` (docs/contributing.md).
 */
import { adminHeaders, BATCH, concrete, type AddCase, type HostileContext } from './hostile-context.js';
import { MiB, nestedArrays, nestedObjects, setRaw, SQL_IDS, withRaw } from './hostile-json.js';

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

function bodyRoutes(ctx: HostileContext): BodyRoute[] {
  const { seed, tenant: TENANT } = ctx;
  const webhookUpdate = (method: string): BodyRoute => ({
    method,
    path: '/v1/webhooks/{id}',
    base: () => ({ description: 'changed by a hostile request' }),
    strField: 'description',
    numField: 'rate_limit',
    objField: 'metadata',
    idField: 'url',
  });
  return [
    {
      method: 'POST',
      path: '/v1/webhooks',
      base: () => ({ tenant: TENANT, url: 'https://hooks.example.com/new', enabled_events: ['*'], is_enabled: true }),
      strField: 'description',
      numField: 'rate_limit',
      objField: 'metadata',
      idField: 'url',
    },
    webhookUpdate('PUT'),
    webhookUpdate('PATCH'),
    { ...webhookUpdate('PATCH'), numField: 'max_in_flight', objField: 'ordered' },
    {
      method: 'POST',
      path: '/v1/api-keys',
      base: () => ({ tenant: TENANT, name: 'hostile' }),
      strField: 'name',
      numField: 'name',
      objField: 'name',
      idField: 'tenant',
    },
    {
      method: 'POST',
      path: '/v1/event-types',
      base: () => ({ tenant: TENANT, name: 'HOSTILE.NEW_TYPE', description: 'x' }),
      strField: 'description',
      numField: 'description',
      objField: 'description',
      idField: 'name',
    },
    {
      method: 'POST',
      path: '/v1/events',
      base: () => ({ tenant: TENANT, type: seed.eventType, resource: { id: 1 } }),
      strField: 'idempotency_key',
      numField: 'event_time',
      objField: 'resource',
      idField: 'type',
    },
    {
      method: 'POST',
      path: '/v1/webhooks/{id}:test-filter',
      base: () => ({ tenant: TENANT, event: { type: seed.eventType, resource: { id: 1 } } }),
      strField: 'tenant',
      numField: 'event',
      objField: 'event',
      idField: 'tenant',
    },
    {
      method: 'PUT',
      path: '/v1/event-types/{name}',
      base: () => ({ tenant: TENANT, description: 'changed by a hostile request' }),
      strField: 'description',
      numField: 'description',
      objField: 'schema',
      idField: 'tenant',
    },
    {
      method: 'POST',
      path: '/v1/events',
      base: () => ({ tenant: TENANT, type: seed.eventType, resource: { id: 1 } }),
      strField: 'ordering_key',
      numField: 'ordering_key',
      objField: 'ordering_key',
      idField: 'type',
    },
    ...['/v1/webhooks:search', '/v1/webhooks/search'].map(
      (path): BodyRoute => ({
        method: 'POST',
        path,
        base: () => ({ tenant: TENANT }),
        strField: 'status',
        numField: 'limit',
        objField: 'webhook_id',
        idField: 'notification_id',
      }),
    ),
    // the history options of :search (order, updated_since) get the same attacks
    {
      method: 'POST',
      path: '/v1/webhooks:search',
      base: () => ({ tenant: TENANT, order: 'desc', updated_since: '2026-01-01T00:00:00Z' }),
      strField: 'order',
      numField: 'updated_since',
      objField: 'updated_since',
      idField: 'order',
    },
    {
      method: 'POST',
      path: '/v1/portal-sessions',
      base: () => ({ tenant: TENANT, ttl_seconds: 60, read_only: true }),
      strField: 'tenant',
      numField: 'ttl_seconds',
      objField: 'read_only',
      idField: 'tenant',
    },
    ...['/v1/webhooks:sendexpired', '/v1/webhooks/sendexpired'].map(
      (path): BodyRoute => ({
        method: 'POST',
        path,
        base: () => ({ tenant: TENANT }),
        strField: 'webhook_id',
        numField: 'since',
        objField: 'notification_ids',
        idField: 'webhook_id',
      }),
    ),
  ];
}

/** JSON bodies that parse but must not pass, on every route of `bodyRoutes()`. */
function addBodyCases(add: AddCase, ctx: HostileContext): void {
  const { json } = adminHeaders(ctx);
  for (const r of bodyRoutes(ctx)) {
    const op = `${r.method} ${r.path}`;
    const url = concrete(ctx, r.path);
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
      ['array for scalar tenant', setRaw(base, 'tenant', JSON.stringify([ctx.tenant]))],
      ...SQL_IDS.map((id): [string, string] => [`SQL in ${r.idField}: ${id}`, setRaw(base, r.idField, JSON.stringify(id))]),
      [`SQL in tenant`, setRaw(base, 'tenant', JSON.stringify(SQL_IDS[1]))],
    ];
    // an event over MAX_EVENT_BYTES (256 KiB by default) is a 413
    const tooLarge = (name: string) => r.path === '/v1/events' && name.startsWith('1 MiB string');
    for (const [name, body] of bodies) add(op, name, { method: r.method, path: url, headers: json, body }, tooLarge(name) ? [413] : [400]);
  }
}

/** The batch envelope: anything wrong with it refuses the whole batch (400/413) and publishes nothing. */
function addEnvelopeCases(add: AddCase, ctx: HostileContext): void {
  const { seed, tenant: TENANT } = ctx;
  const { json } = adminHeaders(ctx);
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
    [
      '8 MiB + 1 of events',
      JSON.stringify({ tenant: TENANT, events: Array.from({ length: 40 }, (_, i) => ({ ...item(), resource: { i, pad: 'p'.repeat(210_000) } })) }),
      [413],
    ],
  ];
  for (const [name, body, expect] of envelopeBodies) add(batchOp, `envelope: ${name}`, { method: 'POST', path: BATCH, headers: json, body }, expect ?? [400]);
  add(
    batchOp,
    'envelope: a tenant key naming another tenant',
    {
      method: 'POST',
      path: BATCH,
      headers: { authorization: `Bearer ${seed.tenantKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...envelope, tenant: 'default' }),
    },
    [403],
  );
}

/** The list query: numbers, repeats and arrays where scalars belong. */
function addListQueryCases(add: AddCase, ctx: HostileContext): void {
  const { admin } = adminHeaders(ctx);
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
    [
      'page token holding a huge date',
      `page_token=${Buffer.from(JSON.stringify(['+275760-09-13T00:00:00.001Z', '00000000-0000-4000-8000-000000000000'])).toString('base64url')}`,
    ],
    ['page token that is a JSON object', `page_token=${Buffer.from('{"__proto__":{"a":1}}').toString('base64url')}`],
    ['page token longer than allowed', `page_token=${'A'.repeat(600)}`],
    ['invalid percent-encoding in the query', 'tenant=%E0%A4%A'],
    ['lone surrogate in the query', 'event_type=%ED%A0%80'],
    ['NUL in the query', 'tenant=%00'],
    ['__proto__ as a query param', '__proto__=1'],
  ] as const) {
    add(list, `query: ${name}`, { method: 'GET', path: `/v1/webhooks?${query}`, headers: admin }, [400]);
  }
}

export function addBodyAndQueryCases(add: AddCase, ctx: HostileContext): void {
  addBodyCases(add, ctx);
  addEnvelopeCases(add, ctx);
  addListQueryCases(add, ctx);
}
