/**
 * A webhook's signing secret (read, rotate, the previous one kept for 24 h)
 * and tenant isolation of the webhook routes; create, list, update and
 * delete are in webhooks.test.ts.
 */
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

async function createWebhook(tenant: string, body: Record<string, unknown> = {}) {
  const res = await api.request('POST', '/v1/webhooks', {
    body: { tenant, url: 'https://example.com/hook', enabled_events: ['CARD.*'], is_enabled: true, ...body },
  });
  expect(res.status).toBe(201);
  return res.body;
}

describe('secrets', () => {
  test('get, rotate (both spellings) keeps the previous one for 24 h', async () => {
    const tenant = uniqueTenant();
    const w = await createWebhook(tenant);
    const got = await api.request('GET', `/v1/webhooks/${w.id}/secret`);
    expect(got.body).toEqual({ secret: w.secret });

    const rotated = await api.request('POST', `/v1/webhooks/${w.id}/secret:rotate`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(w.secret);
    const row = await api.db.webhook.findUniqueOrThrow({ where: { id: w.id } });
    expect(row.previousSecret).toBe(w.secret);
    const ttl = row.previousSecretExpiresAt!.getTime() - Date.now();
    expect(ttl).toBeGreaterThan(23.9 * 3600 * 1000);
    expect(ttl).toBeLessThanOrEqual(24 * 3600 * 1000);
    expect((await api.request('GET', `/v1/webhooks/${w.id}/secret`)).body.secret).toBe(rotated.body.secret);

    const again = await api.request('POST', `/v1/webhooks/${w.id}/secret/rotate`);
    expect(again.status).toBe(200);
    expect(again.body.secret).not.toBe(rotated.body.secret);
    // percent-encoded colon reaches the same route
    expect((await api.request('POST', `/v1/webhooks/${w.id}/secret%3Arotate`)).status).toBe(200);
    expect((await api.request('POST', `/v1/webhooks/${randomUUID()}/secret:rotate`)).status).toBe(404);
  });
});

describe('tenant isolation', () => {
  test("a tenant key sees only its tenant's webhooks", async () => {
    const a = uniqueTenant('a');
    const b = uniqueTenant('b');
    const keyA = await createTenantKey(api, a);
    const wb = await createWebhook(b);
    const created = await api.request('POST', '/v1/webhooks', { key: keyA, body: { url: 'https://e.com', enabled_events: ['CARD.*'], is_enabled: true } });
    expect(created.status).toBe(201);
    expect(created.body.tenant).toBe(a);
    for (const [method, path, body] of [
      ['GET', `/v1/webhooks/${wb.id}`],
      ['PUT', `/v1/webhooks/${wb.id}`, { is_enabled: false }],
      ['PATCH', `/v1/webhooks/${wb.id}`, { is_enabled: false }],
      ['DELETE', `/v1/webhooks/${wb.id}`],
      ['GET', `/v1/webhooks/${wb.id}/secret`],
      ['POST', `/v1/webhooks/${wb.id}/secret:rotate`],
    ] as const) {
      expect({ method, status: (await api.request(method, path, { key: keyA, body })).status }).toEqual({ method, status: 404 });
    }
    const list = await api.request('GET', '/v1/webhooks', { key: keyA });
    expect(list.body.webhooks.map((w: { id: string }) => w.id)).toEqual([created.body.id]);
    expect((await api.request('GET', `/v1/webhooks?tenant=${b}`, { key: keyA })).status).toBe(403);
    expect(
      (await api.request('POST', '/v1/webhooks', { key: keyA, body: { tenant: b, url: 'https://e.com', enabled_events: ['*'], is_enabled: true } })).status,
    ).toBe(403);
    expect((await api.request('GET', `/v1/webhooks/${created.body.id}?tenant=${a}`, { key: keyA })).status).toBe(200);
    // the admin reaches any tenant's webhook by id, or scoped by ?tenant=
    expect((await api.request('GET', `/v1/webhooks/${wb.id}`)).status).toBe(200);
    expect((await api.request('GET', `/v1/webhooks/${wb.id}?tenant=${b}`)).status).toBe(200);
    expect((await api.request('GET', `/v1/webhooks/${wb.id}?tenant=${a}`)).status).toBe(404);
  });
});
