import { startTestApi, type TestApi } from '../support/api-app.js';

let api: TestApi;
let down: TestApi;
beforeAll(async () => {
  api = await startTestApi();
  down = await startTestApi({ readiness: async () => ({ database: true, redis: false }) });
});
afterAll(async () => {
  await api.close();
  await down.close();
});

test('healthz and readyz need no auth', async () => {
  const health = await api.request('GET', '/healthz', { key: null });
  expect(health.status).toBe(200);
  expect(health.body).toEqual({ status: 'ok' });
  const ready = await api.request('GET', '/readyz', { key: null });
  expect(ready.status).toBe(200);
  expect(ready.body.status).toBe('ok');
});

test('readyz answers 503 problem when a dependency is down', async () => {
  const res = await down.request('GET', '/readyz', { key: null });
  expect(res.status).toBe(503);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status: 503, redis: false, database: true });
});

test('openapi.json describes every route with joi-derived request schemas', async () => {
  const res = await api.request('GET', '/openapi.json', { key: null });
  expect(res.status).toBe(200);
  const doc = res.body;
  expect(doc.openapi).toMatch(/^3\.1\./);
  expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  const expected: [string, string][] = [
    ['/v1/webhooks', 'post'],
    ['/v1/webhooks', 'get'],
    ['/v1/webhooks/{id}', 'get'],
    ['/v1/webhooks/{id}', 'put'],
    ['/v1/webhooks/{id}', 'patch'],
    ['/v1/webhooks/{id}', 'delete'],
    ['/v1/webhooks/{id}/secret', 'get'],
    ['/v1/webhooks/{id}/secret:rotate', 'post'],
    ['/v1/api-keys', 'post'],
    ['/v1/api-keys/{id}', 'delete'],
    ['/v1/event-types', 'get'],
    ['/v1/event-types', 'post'],
    ['/healthz', 'get'],
    ['/readyz', 'get'],
    ['/openapi.json', 'get'],
    ['/docs', 'get'],
  ];
  for (const [path, method] of expected) expect({ path, method, op: Boolean(doc.paths[path]?.[method]) }).toEqual({ path, method, op: true });

  const create = doc.paths['/v1/webhooks'].post;
  const schema = create.requestBody.content['application/json'].schema;
  expect(schema.required.sort()).toEqual(['enabled_events', 'is_enabled', 'url']);
  expect(schema.properties.url).toMatchObject({ type: 'string', format: 'uri', maxLength: 1000 });
  expect(schema.properties.endpoint).toBeDefined();
  expect(schema.properties.events).toBeDefined();
  expect(schema.additionalProperties).toBe(false);
  expect(create.responses['201']).toBeDefined();
  expect(create.responses['400'].content['application/problem+json']).toBeDefined();
  const limit = doc.paths['/v1/webhooks'].get.parameters.find((p: { name: string }) => p.name === 'limit');
  expect(limit).toMatchObject({ in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } });
  expect(doc.paths['/v1/webhooks/{id}'].get.parameters[0]).toMatchObject({ name: 'id', in: 'path', required: true });
  expect(doc.paths['/healthz'].get.security).toEqual([]);
});

test('/docs is a self-contained HTML page', async () => {
  const res = await api.request('GET', '/docs', { key: null });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/html/);
  expect(res.text).toContain('/v1/webhooks/{id}/secret:rotate');
  expect(res.text).not.toMatch(/<script[^>]+src=|<link[^>]+href="https?:/);
});

test('the pipeline routes are mounted, authenticated and documented', async () => {
  const doc = (await api.request('GET', '/openapi.json', { key: null })).body;
  const documented = {
    '/v1/events': 'post',
    '/v1/webhooks/{id}:ping': 'post',
    '/v1/webhooks:sendexpired': 'post',
    '/v1/webhooks/sendexpired': 'post',
    '/v1/webhooks:search': 'post',
    '/v1/notifications/{id}': 'get',
    '/v1/notifications/{id}:resend': 'post',
  };
  for (const [path, method] of Object.entries(documented)) expect(doc.paths[path]?.[method]).toBeDefined();
  const missing = '00000000-0000-4000-8000-000000000000';
  expect((await api.request('POST', `/v1/webhooks/${missing}:ping`)).status).toBe(404);
  expect((await api.request('POST', `/v1/webhooks/${missing}:ping`, { key: null })).status).toBe(401);
  expect((await api.request('GET', `/v1/notifications/${missing}`)).status).toBe(404);
  expect((await api.request('GET', '/v1/notifications/not-a-uuid')).status).toBe(404);
});
