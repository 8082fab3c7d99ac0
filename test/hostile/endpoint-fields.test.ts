/**
 * Hostile `headers` and `auth` (issue 17) on every route that takes them
 * (POST /v1/webhooks, PUT and PATCH /v1/webhooks/{id}): prototype keys,
 * huge and deeply nested values, wrong types, too many headers, header
 * injection. Each must answer a 4xx problem+json (never a 5xx, never a
 * stack trace), leave /healthz answering, and change nothing in the
 * webhooks table of a database of this file's own.
 */
import http from 'node:http';
import pg from 'pg';
import { createIsolatedDatabase, type IsolatedDatabase } from '../support/isolated-db.js';
import { startStack, type Stack } from '../support/stack.js';
import { uniqueTenant } from '../support/env.js';

const MiB = 1024 * 1024;
const TENANT = uniqueTenant('hostile_ep');

let stack: Stack;
let ownDb: IsolatedDatabase;
let db: pg.Client;
let port: number;
let webhookId = '';

function send(method: string, path: string, body: string): Promise<{ status: number; contentType: string; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type']), text: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.setHeader('authorization', `Bearer ${stack.config.api.adminApiKey}`);
    req.setHeader('content-type', 'application/json');
    req.setHeader('content-length', Buffer.byteLength(body));
    req.on('error', reject);
    req.end(body);
  });
}

async function webhooksSnapshot(): Promise<string> {
  const { rows } = await db.query(`SELECT count(*)::int AS n, coalesce(md5(string_agg(w::text, E'\\n' ORDER BY w::text)), '-') AS sum FROM webhooks w`);
  return `${rows[0].n} rows, md5 ${rows[0].sum}`;
}

beforeAll(async () => {
  ownDb = await createIsolatedDatabase('hostile_endpoints');
  stack = await startStack({ DATABASE_URL: ownDb.url }, { worker: false });
  port = Number(new URL(stack.api.url).port);
  db = new pg.Client({ connectionString: ownDb.url });
  await db.connect();
  const created = await stack.call('POST', '/v1/webhooks', {
    tenant: TENANT,
    url: 'https://hooks.example.com/h',
    enabled_events: ['*'],
    is_enabled: true,
    headers: { 'X-Seeded': 'seed' },
    auth: { type: 'bearer', token: 'seeded-token' },
  });
  expect(created.status).toBe(201);
  webhookId = created.body.id;
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await db?.end();
  await ownDb?.drop();
}, 60_000);

const nestedObjects = (depth: number, leaf = '"x"') => '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);
const many = (n: number) => JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`X-H${i}`, 'v'])));
const oauth = (fields: string) => `{"type":"oauth2_client_credentials","token_url":"https://a.example/t","client_id":"c","client_secret":"s",${fields}}`;

/** [name, raw JSON of `headers`] */
const HEADERS: [string, string][] = [
  ['__proto__ name', '{"__proto__":{"polluted":"yes"}}'],
  ['__proto__ name beside a valid one', '{"X-Ok":"1","__proto__":"v"}'],
  ['__proto__ as value object', '{"X-A":{"__proto__":{"polluted":true}}}'],
  ['object value', '{"X-A":{"b":"c"}}'],
  ['array value', '{"X-A":["a","b"]}'],
  ['number value', '{"X-A":42}'],
  ['boolean value', '{"X-A":true}'],
  ['null value', '{"X-A":null}'],
  ['1e400 value', '{"X-A":1e400}'],
  ['10,000-level nested value', `{"X-A":${nestedObjects(10_000)}}`],
  ['70-level nested value with a NUL', `{"X-A":${nestedObjects(70, '"\\u0000"')}}`],
  ['NUL in a value', '{"X-A":"a\\u0000b"}'],
  ['NUL in a name', '{"X-\\u0000":"v"}'],
  ['lone surrogate in a value', '{"X-A":"\\ud800"}'],
  ['lone surrogate name', '{"\\udc00":"v"}'],
  ['CRLF injection in a value', '{"X-A":"v\\r\\nX-Injected: 1"}'],
  // names are not secret: the 400 names the field, JSON-escaped
  ['CRLF injection in a name', '{"X-A\\r\\nX-Second":"v"}'],
  ['colon in a name', '{"X-A:":"v"}'],
  ['empty name', '{"":"v"}'],
  ['unicode name', '{"X-Ä":"v"}'],
  ['emoji value', '{"X-A":"🎉"}'],
  ['name of 10,000 characters', `{"${'X'.repeat(10_000)}":"v"}`],
  ['value just under 1 MiB', `{"X-A":"${'v'.repeat(MiB - 4096)}"}`],
  ['21 headers', many(21)],
  ['10,000 headers', many(10_000)],
  ['a reserved name in odd case', '{"wEbHoOk-SiGnAtUrE":"v1,forged"}'],
  ['host override', '{"Host":"internal.example"}'],
  ['same name twice in different case', '{"X-A":"1","x-a":"2"}'],
  ['array', '["X-A","v"]'],
  ['string', '"X-A: v"'],
  ['number', '7'],
  ['true', 'true'],
];

/** [name, raw JSON of `auth`] */
const AUTH: [string, string][] = [
  ['__proto__ key', '{"type":"bearer","token":"t","__proto__":{"polluted":true}}'],
  ['only __proto__', '{"__proto__":{"type":"bearer","token":"t"}}'],
  ['type __proto__', '{"type":"__proto__","token":"t"}'],
  ['type constructor', '{"type":"constructor"}'],
  ['type toString', '{"type":"toString","token":"t"}'],
  ['type hasOwnProperty', '{"type":"hasOwnProperty"}'],
  ['type null', '{"type":null}'],
  ['type as array', '{"type":["bearer"],"token":"t"}'],
  ['type as object', '{"type":{"$eq":"bearer"},"token":"t"}'],
  ['no type', '{"token":"t"}'],
  ['empty object', '{}'],
  ['username as number', '{"type":"basic","username":1,"password":"p"}'],
  ['password as object', '{"type":"basic","username":"u","password":{"a":1}}'],
  ['password of 1 MiB', `{"type":"basic","username":"u","password":"${'p'.repeat(MiB - 4096)}"}`],
  ['token as array', '{"type":"bearer","token":["a"]}'],
  ['token with CRLF', '{"type":"bearer","token":"a\\r\\nX-Injected: 1"}'],
  ['token with NUL', '{"type":"bearer","token":"a\\u0000"}'],
  ['token of 10,000-level nesting', `{"type":"bearer","token":${nestedObjects(10_000)}}`],
  ['fields of another type', '{"type":"bearer","token":"t","password":"p","client_secret":"s"}'],
  ['javascript: token_url', oauth('"scope":"a"').replace('https://a.example/t', 'javascript:alert(1)')],
  ['file: token_url', oauth('"scope":"a"').replace('https://a.example/t', 'file:///etc/passwd')],
  ['token_url of 10,000 characters', oauth('"scope":"a"').replace('https://a.example/t', `https://a.example/${'t'.repeat(10_000)}`)],
  ['scope as object', oauth('"scope":{"a":1}')],
  ['audience as 1e400', oauth('"audience":1e400')],
  ['client_id of 1 MiB', oauth('"scope":"a"').replace('"client_id":"c"', `"client_id":"${'c'.repeat(MiB - 4096)}"`)],
  ['unknown extra field', oauth('"grant_type":"password"')],
  ['array', '[{"type":"bearer","token":"t"}]'],
  ['string', '"Bearer t"'],
  ['number', '1'],
  ['true', 'true'],
];

const ROUTES = [
  {
    method: 'POST',
    path: () => '/v1/webhooks',
    base: () => `"tenant":"${TENANT}","url":"https://hooks.example.com/n","enabled_events":["*"],"is_enabled":true`,
  },
  { method: 'PUT', path: () => `/v1/webhooks/${webhookId}`, base: () => '"description":"changed"' },
  { method: 'PATCH', path: () => `/v1/webhooks/${webhookId}`, base: () => '"description":"changed"' },
];

const STACK_TRACE = /\n\s+at |\bat [^\s]+ \(|node_modules|\/work\/|\/src\/|\.[cm]?[jt]s:\d+|Error: |PrismaClient|prisma\./i;

test('hostile headers and auth answer a 4xx problem, leak nothing, change nothing', async () => {
  const failures: string[] = [];
  let count = 0;
  for (const route of ROUTES) {
    for (const [field, table] of [
      ['headers', HEADERS],
      ['auth', AUTH],
    ] as const) {
      for (const [name, raw] of table) {
        count++;
        const label = `${route.method} ${field}: ${name}`;
        const before = await webhooksSnapshot();
        const res = await send(route.method, route.path(), `{${route.base()},"${field}":${raw}}`);
        const problems: string[] = [];
        if (res.status !== 400 && res.status !== 413) problems.push(`status ${res.status}`);
        if (!res.contentType.startsWith('application/problem+json')) problems.push(`content-type ${res.contentType}`);
        if (STACK_TRACE.test(res.text)) problems.push('leaks internals');
        if (res.text.includes('X-Injected') || res.text.includes('seeded-token')) problems.push('echoes a value');
        const health = await fetch(`${stack.api.url}/healthz`).then(
          (r) => r.status,
          () => 0,
        );
        if (health !== 200) problems.push(`/healthz ${health}`);
        if ((await webhooksSnapshot()) !== before) problems.push('changed the webhooks table');
        if (problems.length) failures.push(`${label}: ${problems.join('; ')} — ${res.text.slice(0, 200)}`);
      }
    }
  }
  expect(failures).toEqual([]);
  expect(count).toBeGreaterThanOrEqual(150);
}, 300_000);

test('"constructor" and "prototype" are ordinary header names; nothing is polluted', async () => {
  const res = await stack.call('PATCH', `/v1/webhooks/${webhookId}`, { headers: { constructor: 'a', prototype: 'b', toString: 'c' } });
  expect(res.status).toBe(200);
  expect(Object.keys(res.body.headers).sort()).toEqual(['constructor', 'prototype', 'toString']);
  const read = await stack.call('GET', `/v1/webhooks/${webhookId}`);
  expect(read.body.auth).toEqual({ type: 'bearer' });
  const probe = {} as Record<string, unknown>;
  expect(probe.polluted).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty('polluted');
});
