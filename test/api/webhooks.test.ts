import { randomUUID } from 'node:crypto';
import { uniqueTenant } from '../support/env.js';
import { startTestApi, type TestApi } from '../support/api-app.js';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api.close();
});

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

async function createWebhook(tenant: string, body: Record<string, unknown> = {}) {
  const res = await api.request('POST', '/v1/webhooks', {
    body: { tenant, url: 'https://example.com/hook', enabled_events: ['CARD.*'], is_enabled: true, ...body },
  });
  expect(res.status).toBe(201);
  return res.body;
}

describe('create and read', () => {
  test('201 with every field, secret only on create', async () => {
    const tenant = uniqueTenant();
    const res = await api.request('POST', '/v1/webhooks', {
      body: { tenant, url: 'https://example.com/h', enabled_events: ['CARD.CREATED', 'TRANSACTION.*'], is_enabled: true },
    });
    expect(res.status).toBe(201);
    const w = res.body;
    expect(w).toMatchObject({
      tenant,
      url: 'https://example.com/h',
      enabled_events: ['CARD.CREATED', 'TRANSACTION.*'],
      is_enabled: true,
      description: null,
      metadata: {},
      rate_limit: null,
      disabled_reason: null,
    });
    expect(w.secret).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);
    expect(w.id).toMatch(/^[0-9a-f-]{36}$/);
    for (const f of ['creation_time', 'last_updated', 'last_updated_time']) expect(w[f]).toMatch(RFC3339);
    expect(w.last_updated).toBe(w.last_updated_time);

    const got = await api.request('GET', `/v1/webhooks/${w.id}?tenant=${tenant}`);
    expect(got.status).toBe(200);
    expect(got.body.secret).toBeUndefined();
    expect(got.body.id).toBe(w.id);
    expect(Object.keys(got.body).sort()).toEqual(
      [
        'auth',
        'creation_time',
        'description',
        'disabled_reason',
        'enabled_events',
        'filter',
        'headers',
        'id',
        'is_enabled',
        'last_updated',
        'last_updated_time',
        'max_in_flight',
        'metadata',
        'ordered',
        'rate_limit',
        'tenant',
        'url',
      ].sort(),
    );
  });

  test('reference vocabulary: endpoint and events', async () => {
    const tenant = uniqueTenant();
    const res = await api.request('POST', '/v1/webhooks', {
      body: {
        tenant,
        endpoint: 'http://example.com/x',
        events: ['CARD_STATUS_CHANGE'],
        is_enabled: false,
        description: 'd',
        metadata: { a: 1 },
        rate_limit: 5,
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      url: 'http://example.com/x',
      enabled_events: ['CARD_STATUS_CHANGE'],
      is_enabled: false,
      description: 'd',
      metadata: { a: 1 },
      rate_limit: 5,
    });
  });

  test('admin without tenant uses "default"', async () => {
    const res = await api.request('POST', '/v1/webhooks', { body: { url: 'https://example.com/d', enabled_events: ['*'], is_enabled: true } });
    expect(res.status).toBe(201);
    expect(res.body.tenant).toBe('default');
  });

  test.each([
    [{ enabled_events: ['CARD.*'], is_enabled: true }, 'url'],
    [{ url: 'https://e.com', is_enabled: true }, 'enabled_events'],
    [{ url: 'https://e.com', enabled_events: ['CARD.*'] }, 'is_enabled'],
    [{ url: 'ftp://e.com', enabled_events: ['CARD.*'], is_enabled: true }, 'url'],
    [{ url: `https://e.com/${'a'.repeat(1000)}`, enabled_events: ['CARD.*'], is_enabled: true }, 'url'],
    [{ url: 'https://e.com', enabled_events: [], is_enabled: true }, 'enabled_events'],
    [{ url: 'https://e.com', enabled_events: ['NOPE.CREATED'], is_enabled: true }, 'enabled_events'],
    [{ url: 'https://e.com', enabled_events: ['NOPE.*'], is_enabled: true }, 'enabled_events'],
    [{ url: 'https://e.com', enabled_events: ['CARD.CREATED.*'], is_enabled: true }, 'enabled_events'],
    [{ url: 'https://e.com', enabled_events: ['CARD.*'], is_enabled: 'true' }, 'is_enabled'],
    [{ url: 'https://e.com', enabled_events: ['CARD.*'], is_enabled: true, color: 'red' }, 'color'],
    [{ url: 'https://e.com', enabled_events: ['CARD.*'], is_enabled: true, metadata: { x: 'y'.repeat(1100) } }, 'metadata'],
    [{ url: 'https://e.com', enabled_events: ['CARD.*'], is_enabled: true, rate_limit: 1e300 }, 'rate_limit'],
    [{ url: 'https://e.com', enabled_events: ['CARD.*'], is_enabled: true, max_in_flight: 0 }, 'max_in_flight'],
    [{ url: 'https://e.com', enabled_events: ['CARD.*'], is_enabled: true, max_in_flight: 101 }, 'max_in_flight'],
    [{ url: 'https://e.com', enabled_events: ['CARD.*'], is_enabled: true, max_in_flight: 2.5 }, 'max_in_flight'],
    [{ url: 'https://e.com', enabled_events: ['CARD.*'], is_enabled: true, max_in_flight: '5' }, 'max_in_flight'],
    [{ url: 'https://e.com', enabled_events: ['CARD.*'], is_enabled: true, ordered: 'yes' }, 'ordered'],
    [{ url: 'https://e.com', enabled_events: ['CARD.*'], is_enabled: true, description: 'a\u0000b' }, 'description'],
    [{ url: 'https://e.com', enabled_events: ['CARD.*'], is_enabled: true, metadata: { k: 'a\u0000' } }, 'metadata.k'],
    [{ url: 'https://e.com', enabled_events: ['CARD.*'], is_enabled: true, constructor: { x: 1 } }, 'constructor'],
  ])('400 naming the field (case %#)', async (body, field) => {
    const res = await api.request('POST', '/v1/webhooks', { body: { tenant: uniqueTenant(), ...body } });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  test('wildcards at any depth and custom types are accepted', async () => {
    const tenant = uniqueTenant();
    await createWebhook(tenant, { enabled_events: ['CARD.IMAGE.*', 'CARD.*', '*'] });
    expect((await api.request('POST', '/v1/event-types', { body: { tenant, name: 'ORDER.SHIPPED' } })).status).toBe(201);
    await createWebhook(tenant, { enabled_events: ['ORDER.*', 'ORDER.SHIPPED'] });
    // another tenant's custom type is unknown here
    const other = await api.request('POST', '/v1/webhooks', {
      body: { tenant: uniqueTenant(), url: 'https://e.com', enabled_events: ['ORDER.*'], is_enabled: true },
    });
    expect(other.status).toBe(400);
  });

  test('unknown, malformed and SQL-looking ids answer 404', async () => {
    for (const id of [randomUUID(), 'nope', "1' OR '1'='1", '%E0%A4%A']) {
      const res = await api.request('GET', `/v1/webhooks/${id}`);
      expect([400, 404]).toContain(res.status);
      expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    }
    expect((await api.request('GET', `/v1/webhooks/${randomUUID()}`)).status).toBe(404);
    expect((await api.request('GET', `/v1/webhooks/nope`)).status).toBe(404);
  });
});

describe('list', () => {
  test('pagination is stable, complete and ends with null', async () => {
    const tenant = uniqueTenant();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await createWebhook(tenant)).id);
    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const q: string = `/v1/webhooks?tenant=${tenant}&limit=2${token ? `&page_token=${encodeURIComponent(token)}` : ''}`;
      const res = await api.request('GET', q);
      expect(res.status).toBe(200);
      seen.push(...res.body.webhooks.map((w: { id: string }) => w.id));
      token = res.body.next_page_token;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toEqual(ids);
    const all = await api.request('GET', `/v1/webhooks?tenant=${tenant}`);
    expect(all.body.webhooks).toHaveLength(5);
    expect(all.body.next_page_token).toBeNull();
  });

  test('limit out of range, repeated, bad page token → 400', async () => {
    for (const q of ['limit=0', 'limit=101', 'limit=abc', 'limit=1&limit=2', 'page_token=garbage', 'is_enabled=maybe', 'unknown=1', 'limit=1e400']) {
      const res = await api.request('GET', `/v1/webhooks?${q}`);
      expect({ q, status: res.status }).toEqual({ q, status: 400 });
    }
  });

  test('filters: is_enabled and event_type (wildcards included)', async () => {
    const tenant = uniqueTenant();
    const card = await createWebhook(tenant, { enabled_events: ['CARD.*'] });
    const image = await createWebhook(tenant, { enabled_events: ['CARD.IMAGE.CREATED'] });
    const all = await createWebhook(tenant, { enabled_events: ['*'], is_enabled: false });
    const tx = await createWebhook(tenant, { enabled_events: ['TRANSACTION.CREATED'] });
    const ids = async (q: string) => (await api.request('GET', `/v1/webhooks?tenant=${tenant}&${q}`)).body.webhooks.map((w: { id: string }) => w.id);
    expect(await ids('event_type=CARD.IMAGE.CREATED')).toEqual([card.id, image.id, all.id]);
    expect(await ids('event_type=CARD.CREATED')).toEqual([card.id, all.id]);
    expect(await ids('event_type=TRANSACTION.CREATED&is_enabled=true')).toEqual([tx.id]);
    expect(await ids('is_enabled=false')).toEqual([all.id]);
  });
});

describe('update', () => {
  test('PUT and PATCH are partial, both vocabularies, last_updated moves', async () => {
    const tenant = uniqueTenant();
    const w = await createWebhook(tenant, { description: 'first', metadata: { a: 1 } });
    await new Promise((r) => setTimeout(r, 5));
    const put = await api.request('PUT', `/v1/webhooks/${w.id}`, { body: { endpoint: 'https://example.com/new', events: ['CARD_STATUS_CHANGE'] } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      url: 'https://example.com/new',
      enabled_events: ['CARD_STATUS_CHANGE'],
      description: 'first',
      metadata: { a: 1 },
      is_enabled: true,
    });
    expect(put.body.creation_time).toBe(w.creation_time);
    expect(Date.parse(put.body.last_updated)).toBeGreaterThan(Date.parse(w.last_updated));
    expect(put.body.last_updated_time).toBe(put.body.last_updated);
    const patch = await api.request('PATCH', `/v1/webhooks/${w.id}`, { body: { rate_limit: 10, description: 'second' } });
    expect(patch.body).toMatchObject({ url: 'https://example.com/new', rate_limit: 10, description: 'second' });
    expect((await api.request('PATCH', `/v1/webhooks/${w.id}`, { body: { rate_limit: null } })).body.rate_limit).toBeNull();
    expect((await api.request('PATCH', `/v1/webhooks/${w.id}`, { body: { max_in_flight: 7 } })).body.max_in_flight).toBe(7);
    expect((await api.request('PUT', `/v1/webhooks/${w.id}`, { body: { max_in_flight: null } })).body.max_in_flight).toBeNull();
  });

  test('empty body, unknown event type, bad field → 400', async () => {
    const w = await createWebhook(uniqueTenant());
    expect((await api.request('PUT', `/v1/webhooks/${w.id}`, { body: {} })).status).toBe(400);
    expect((await api.request('PUT', `/v1/webhooks/${w.id}`, { body: { tenant: w.tenant } })).status).toBe(400);
    expect((await api.request('PUT', `/v1/webhooks/${w.id}`)).status).toBe(400);
    expect((await api.request('PUT', `/v1/webhooks/${w.id}`, { body: { events: ['NOPE.*'] } })).status).toBe(400);
    expect((await api.request('PATCH', `/v1/webhooks/${w.id}`, { body: { url: 5 } })).status).toBe(400);
    expect((await api.request('PATCH', `/v1/webhooks/${randomUUID()}`, { body: { is_enabled: false } })).status).toBe(404);
  });

  test('disabling cancels pending notifications; re-enabling clears disabled_reason', async () => {
    const tenant = uniqueTenant();
    const w = await createWebhook(tenant);
    const notificationId = await insertPendingNotification(tenant, w.id);
    await api.db.webhook.update({ where: { id: w.id }, data: { disabledReason: 'failing for 5 days' } });
    expect((await api.request('GET', `/v1/webhooks/${w.id}`)).body.disabled_reason).toBe('failing for 5 days');

    const off = await api.request('PUT', `/v1/webhooks/${w.id}`, { body: { is_enabled: false } });
    expect(off.body.is_enabled).toBe(false);
    const n = await api.db.notification.findUniqueOrThrow({ where: { id: notificationId } });
    expect(n.status).toBe('CANCELLED');
    expect(n.cancelledAt).not.toBeNull();

    const on = await api.request('PUT', `/v1/webhooks/${w.id}`, { body: { is_enabled: true } });
    expect(on.body).toMatchObject({ is_enabled: true, disabled_reason: null });
  });
});

async function insertPendingNotification(tenant: string, webhookId: string): Promise<string> {
  const eventId = randomUUID();
  const id = randomUUID();
  await api.db.event.create({ data: { id: eventId, tenantId: tenant, type: 'CARD.CREATED', resource: '{}', eventTime: new Date() } });
  await api.db.notification.create({ data: { id, tenantId: tenant, eventId, webhookId, type: 'CARD.CREATED' } });
  return id;
}

describe('delete', () => {
  test('204, then 404 everywhere, gone from lists, pending notifications cancelled', async () => {
    const tenant = uniqueTenant();
    const w = await createWebhook(tenant);
    const notificationId = await insertPendingNotification(tenant, w.id);
    expect((await api.request('DELETE', `/v1/webhooks/${w.id}`)).status).toBe(204);
    expect((await api.request('GET', `/v1/webhooks/${w.id}`)).status).toBe(404);
    expect((await api.request('PUT', `/v1/webhooks/${w.id}`, { body: { is_enabled: true } })).status).toBe(404);
    expect((await api.request('DELETE', `/v1/webhooks/${w.id}`)).status).toBe(404);
    expect((await api.request('GET', `/v1/webhooks/${w.id}/secret`)).status).toBe(404);
    expect((await api.request('GET', `/v1/webhooks?tenant=${tenant}`)).body.webhooks).toEqual([]);
    expect((await api.db.notification.findUniqueOrThrow({ where: { id: notificationId } })).status).toBe('CANCELLED');
    expect((await api.db.webhook.findUniqueOrThrow({ where: { id: w.id } })).deletedAt).not.toBeNull();
  });
});
