import { randomUUID } from 'node:crypto';
import { uniqueTenant } from '../support/env.js';
import { createTenantKey, startTestApi, type TestApi } from '../support/api-app.js';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api.close();
});

describe('bearer auth', () => {
  test.each([
    ['missing', null, undefined],
    ['wrong', 'hr_not-a-real-key', undefined],
    ['wrong admin', 'admin_wrong', undefined],
    ['not bearer', null, 'Basic dXNlcjpwYXNz'],
    ['empty bearer', null, 'Bearer '],
  ])('%s → 401 problem', async (_label, key, header) => {
    for (const path of ['/v1/webhooks', '/v1/event-types', `/v1/webhooks/${randomUUID()}`]) {
      const res = await api.request('GET', path, { key, headers: header ? { authorization: header } : {} });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ type: expect.any(String), title: 'Unauthorized', status: 401, detail: expect.any(String) });
    }
  });

  test('a body route without auth is 401 before any validation', async () => {
    const res = await api.request('POST', '/v1/webhooks', { key: null, body: { nope: 1 } });
    expect(res.status).toBe(401);
  });
});

describe('API keys', () => {
  test('admin creates a key (shown once, stored hashed); the tenant key works', async () => {
    const tenant = uniqueTenant();
    const res = await api.request('POST', '/v1/api-keys', { body: { tenant, name: 'ci' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ id: expect.any(String), tenant, name: 'ci', key: expect.stringMatching(/^hr_[A-Za-z0-9_-]{43}$/) });
    expect(Date.parse(res.body.created_at)).not.toBeNaN();
    const row = await api.db.apiKey.findUniqueOrThrow({ where: { id: res.body.id } });
    expect(row.keyHash).not.toContain(res.body.key);
    expect(row.keyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(await api.db.tenant.findUnique({ where: { id: tenant } })).not.toBeNull();
    expect((await api.request('GET', '/v1/webhooks', { key: res.body.key })).status).toBe(200);
  });

  test('validation and admin-only creation', async () => {
    expect((await api.request('POST', '/v1/api-keys', { body: {} })).status).toBe(400);
    expect((await api.request('POST', '/v1/api-keys', { body: { tenant: 'bad tenant!' } })).status).toBe(400);
    const key = await createTenantKey(api, uniqueTenant());
    expect((await api.request('POST', '/v1/api-keys', { key, body: { tenant: uniqueTenant() } })).status).toBe(403);
  });

  test('revoking: admin any key, tenant its own tenant only; revoked → 401', async () => {
    const a = uniqueTenant('a');
    const b = uniqueTenant('b');
    const created = await api.request('POST', '/v1/api-keys', { body: { tenant: a } });
    const keyA2 = await createTenantKey(api, a);
    const keyB = await createTenantKey(api, b);

    // another tenant's key id is unknown to B
    expect((await api.request('DELETE', `/v1/api-keys/${created.body.id}`, { key: keyB })).status).toBe(404);
    expect((await api.request('DELETE', `/v1/api-keys/${randomUUID()}`)).status).toBe(404);
    expect((await api.request('DELETE', '/v1/api-keys/not-a-uuid')).status).toBe(404);

    // a key of the same tenant may revoke it
    expect((await api.request('DELETE', `/v1/api-keys/${created.body.id}`, { key: keyA2 })).status).toBe(204);
    expect((await api.request('GET', '/v1/webhooks', { key: created.body.key })).status).toBe(401);
    expect((await api.request('DELETE', `/v1/api-keys/${created.body.id}`)).status).toBe(404);

    const idB = (await api.db.apiKey.findFirstOrThrow({ where: { tenantId: b } })).id;
    expect((await api.request('DELETE', `/v1/api-keys/${idB}`)).status).toBe(204);
    expect((await api.request('GET', '/v1/webhooks', { key: keyB })).status).toBe(401);
  });
});

describe('listing API keys', () => {
  test("admin lists a tenant's keys, a tenant key its own; never the key; revoked only when asked", async () => {
    const a = uniqueTenant('la');
    const b = uniqueTenant('lb');
    const first = await api.request('POST', '/v1/api-keys', { body: { tenant: a, name: 'first' } });
    const second = await api.request('POST', '/v1/api-keys', { body: { tenant: a, name: 'second' } });
    const keyB = await createTenantKey(api, b);

    const listed = await api.request('GET', `/v1/api-keys?tenant=${a}`);
    expect(listed.status).toBe(200);
    expect(listed.body.api_keys).toEqual([
      { id: first.body.id, tenant: a, name: 'first', created_at: first.body.created_at, revoked_at: null },
      { id: second.body.id, tenant: a, name: 'second', created_at: second.body.created_at, revoked_at: null },
    ]);
    expect(JSON.stringify(listed.body)).not.toContain(first.body.key);

    // a tenant key sees its own tenant only, and may not name another
    const own = await api.request('GET', '/v1/api-keys', { key: second.body.key });
    expect(own.body.api_keys.map((k: { id: string }) => k.id)).toEqual([first.body.id, second.body.id]);
    expect((await api.request('GET', '/v1/api-keys', { key: keyB })).body.api_keys).toHaveLength(1);
    expect((await api.request('GET', `/v1/api-keys?tenant=${a}`, { key: keyB })).status).toBe(403);

    expect((await api.request('DELETE', `/v1/api-keys/${first.body.id}`)).status).toBe(204);
    const active = await api.request('GET', `/v1/api-keys?tenant=${a}`);
    expect(active.body.api_keys.map((k: { id: string }) => k.id)).toEqual([second.body.id]);
    const all = await api.request('GET', `/v1/api-keys?tenant=${a}&include_revoked=true`);
    expect(all.body.api_keys).toHaveLength(2);
    expect(Date.parse(all.body.api_keys[0].revoked_at)).not.toBeNaN();

    for (const query of ['include_revoked=maybe', 'tenant=bad%20tenant!', 'limit=5']) {
      const bad = await api.request('GET', `/v1/api-keys?${query}`);
      expect(bad.status).toBe(400);
      expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    expect((await api.request('GET', '/v1/api-keys', { key: null })).status).toBe(401);
  });
});

describe('event types', () => {
  test('built-ins plus the tenant’s own; duplicates 409; isolation', async () => {
    const a = uniqueTenant('a');
    const keyA = await createTenantKey(api, a);
    const keyB = await createTenantKey(api, uniqueTenant('b'));
    const created = await api.request('POST', '/v1/event-types', { key: keyA, body: { name: 'INVOICE.PAID', description: 'An invoice was paid' } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ name: 'INVOICE.PAID', description: 'An invoice was paid', tenant: a, builtin: false, schema: null });
    expect((await api.request('POST', '/v1/event-types', { key: keyA, body: { name: 'INVOICE.PAID' } })).status).toBe(409);
    expect((await api.request('POST', '/v1/event-types', { key: keyA, body: { name: 'CARD.CREATED' } })).status).toBe(409);
    expect((await api.request('POST', '/v1/event-types', { key: keyA, body: { name: 'BAD.*' } })).status).toBe(400);
    expect((await api.request('POST', '/v1/event-types', { key: keyA, body: {} })).status).toBe(400);

    const listA = await api.request('GET', '/v1/event-types?limit=100', { key: keyA });
    expect(listA.status).toBe(200);
    const names = listA.body.event_types.map((t: { name: string }) => t.name);
    expect(names).toEqual(expect.arrayContaining(['CARD.CREATED', 'CARD_STATUS_CHANGE', 'WEBHOOK.PING', 'TRANSACTION.UPDATED', 'INVOICE.PAID']));
    expect(listA.body.event_types.find((t: { name: string }) => t.name === 'CARD.CREATED')).toEqual({
      name: 'CARD.CREATED',
      description: null,
      tenant: null,
      builtin: true,
      schema: null,
    });
    const listB = await api.request('GET', '/v1/event-types?limit=100', { key: keyB });
    expect(listB.body.event_types.map((t: { name: string }) => t.name)).not.toContain('INVOICE.PAID');
    // the same name is free for another tenant
    expect((await api.request('POST', '/v1/event-types', { key: keyB, body: { name: 'INVOICE.PAID' } })).status).toBe(201);
  });
});
