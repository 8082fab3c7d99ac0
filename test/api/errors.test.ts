import { startTestApi, type TestApi } from '../support/api-app.js';
import { uniqueTenant } from '../support/env.js';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api.close();
});

function expectProblem(res: { status: number; headers: Headers; body: any; text: string }, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String) });
  expect(res.text).not.toMatch(/at .*\.(ts|js):\d+/);
}

const json = { 'content-type': 'application/json' };

test('malformed JSON → 400', async () => {
  expectProblem(await api.request('POST', '/v1/webhooks', { raw: '{"url": ', headers: json }), 400);
});

test.each([
  ['array', '[1,2]'],
  ['string', '"hello"'],
  ['null', 'null'],
  ['number', '42'],
])('whole body is %s → 400', async (_l, raw) => {
  expectProblem(await api.request('POST', '/v1/webhooks', { raw, headers: json }), 400);
});

test('__proto__ keys do not pollute and are rejected or ignored safely', async () => {
  const raw = '{"__proto__":{"polluted":true},"url":"https://e.com","enabled_events":["*"],"is_enabled":true}';
  const res = await api.request('POST', '/v1/webhooks', { raw, headers: json });
  expect([201, 400]).toContain(res.status);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  const meta = await api.request('POST', '/v1/webhooks', {
    raw: '{"url":"https://e.com","enabled_events":["*"],"is_enabled":true,"metadata":{"__proto__":{"x":1}}}',
    headers: json,
  });
  expect([201, 400]).toContain(meta.status);
});

test('body > 1 MiB → 413', async () => {
  const raw = JSON.stringify({ url: 'https://e.com', enabled_events: ['*'], is_enabled: true, description: 'x'.repeat(1024 * 1024 + 10) });
  expectProblem(await api.request('POST', '/v1/webhooks', { raw, headers: json }), 413);
});

test('non-JSON content type → 415', async () => {
  expectProblem(await api.request('POST', '/v1/webhooks', { raw: 'url=https://e.com', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415);
  expectProblem(await api.request('POST', '/v1/webhooks', { raw: '{}', headers: { 'content-type': 'text/plain' } }), 415);
});

test('unknown route → 404, unknown method on a known path → 405', async () => {
  expectProblem(await api.request('GET', '/v1/nope'), 404);
  expectProblem(await api.request('GET', '/nope', { key: null }), 404);
  const res = await api.request('DELETE', '/v1/webhooks');
  expectProblem(res, 405);
  expect(res.headers.get('allow')).toContain('GET');
  expectProblem(await api.request('POST', '/v1/webhooks/00000000-0000-4000-8000-000000000000'), 405);
});

test('invalid percent-encoding in a path → 4xx problem', async () => {
  const res = await api.request('GET', '/v1/webhooks/%E0%A4%A');
  expect([400, 404]).toContain(res.status);
  expectProblem(res, res.status);
});

test('wrong types never yield 500', async () => {
  const tenant = uniqueTenant();
  const bodies: unknown[] = [
    { tenant, url: ['https://e.com'], enabled_events: ['*'], is_enabled: true },
    { tenant, url: 'https://e.com', enabled_events: 'CARD.*', is_enabled: true },
    { tenant, url: 'https://e.com', enabled_events: [1], is_enabled: true },
    { tenant, url: 'https://e.com', enabled_events: ['*'], is_enabled: true, metadata: [] },
    { tenant, url: 'https://e.com', enabled_events: ['*'], is_enabled: true, metadata: 'x' },
    { tenant, url: 'https://e.com', enabled_events: ['*'], is_enabled: true, rate_limit: -1 },
    { tenant, url: 'https://e.com', enabled_events: ['*'], is_enabled: true, rate_limit: 1.5 },
    { tenant: { a: 1 }, url: 'https://e.com', enabled_events: ['*'], is_enabled: true },
    { tenant: 'x'.repeat(65), url: 'https://e.com', enabled_events: ['*'], is_enabled: true },
    { tenant, url: 'https://e.com', enabled_events: ['*'], is_enabled: true, description: 'x'.repeat(1001) },
    { tenant, url: 'https://e\u0000.com', enabled_events: ['*'], is_enabled: true },
  ];
  for (const body of bodies) expectProblem(await api.request('POST', '/v1/webhooks', { body }), 400);
  expectProblem(await api.request('GET', `/v1/webhooks?tenant=${encodeURIComponent("x' OR 1=1 --")}`), 400);
  expectProblem(await api.request('GET', '/v1/webhooks?limit=99999999999999999999999'), 400);
  expectProblem(await api.request('GET', '/v1/webhooks?event_type=%00'), 400);
});

test('validation errors list every field', async () => {
  const res = await api.request('POST', '/v1/webhooks', { body: { url: 'nope', is_enabled: 'x' } });
  expectProblem(res, 400);
  expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['enabled_events', 'is_enabled', 'url']);
  for (const e of res.body.errors) expect(typeof e.message).toBe('string');
});
