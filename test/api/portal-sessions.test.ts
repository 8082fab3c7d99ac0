/**
 * The tenant portal's API rules (SPEC "Operations"): who may create a portal
 * session, its body's limits, the link it answers with, and what its token
 * may then do: its own tenant only, never credentials, nothing at all that
 * changes state when read-only, and nothing once it has expired.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { createLogger } from '@hookrelay/core';
import { uniqueTenant } from '../support/env.js';
import { createTenantKey, startTestApi, type TestApi } from '../support/api-app.js';

let api: TestApi;
const logged: string[] = [];

beforeAll(async () => {
  const sink = new Writable({
    write: (chunk, _enc, done) => {
      logged.push(String(chunk));
      done();
    },
  });
  api = await startTestApi({ logger: createLogger({ level: 'trace', pretty: false }, sink) });
});
afterAll(async () => {
  await api?.close();
});

async function portal(body: Record<string, unknown> = {}, key?: string): Promise<{ token: string; url: string; expires_at: string }> {
  const res = await api.request('POST', '/v1/portal-sessions', { body, key });
  if (res.status !== 201) throw new Error(`portal session: ${res.status} ${res.text}`);
  return res.body;
}

async function webhook(tenant: string, url = 'https://example.com/hook'): Promise<string> {
  const res = await api.request('POST', '/v1/webhooks', { body: { tenant, url, enabled_events: ['CARD.CREATED'], is_enabled: true } });
  if (res.status !== 201) throw new Error(`webhook: ${res.status} ${res.text}`);
  return res.body.id;
}

describe('POST /v1/portal-sessions', () => {
  test('the admin gets a token, a dashboard link from the request origin (token only in the fragment) and expires_at', async () => {
    const tenant = uniqueTenant('portal');
    const before = Date.now();
    const res = await api.request('POST', '/v1/portal-sessions', { body: { tenant } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ token: expect.stringMatching(/^hrp_[A-Za-z0-9_-]{43}$/), url: expect.any(String), expires_at: expect.any(String) });
    expect(res.body.url).toBe(`${api.url}/dashboard#token=${res.body.token}`);
    const url = new URL(res.body.url);
    expect(url.search).toBe('');
    expect(url.pathname).toBe('/dashboard');
    const ttl = Date.parse(res.body.expires_at) - before;
    expect(ttl).toBeGreaterThanOrEqual(3600_000 - 1000);
    expect(ttl).toBeLessThanOrEqual(3600_000 + 5000);
    // stored only as a hash
    const rows = await api.db.$queryRawUnsafe<{ token_hash: string }[]>('SELECT token_hash FROM portal_sessions WHERE tenant_id = $1', tenant);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token_hash).not.toContain(res.body.token);
    expect(rows[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  test('ttl_seconds sets expires_at', async () => {
    const before = Date.now();
    const { expires_at } = await portal({ tenant: uniqueTenant(), ttl_seconds: 86400 });
    expect(Date.parse(expires_at) - before).toBeGreaterThan(86400_000 - 2000);
  });

  test('a tenant key creates one for its own tenant; another tenant is 403', async () => {
    const tenant = uniqueTenant('own');
    const key = await createTenantKey(api, tenant);
    const mine = await portal({}, key);
    expect((await api.request('GET', '/v1/portal-sessions/current', { key: mine.token })).body).toMatchObject({ tenant, read_only: false });
    expect((await api.request('POST', '/v1/portal-sessions', { key, body: { tenant } })).status).toBe(201);
    const other = await api.request('POST', '/v1/portal-sessions', { key, body: { tenant: uniqueTenant('other') } });
    expect(other.status).toBe(403);
    expect(other.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  test('without a valid key: 401', async () => {
    expect((await api.request('POST', '/v1/portal-sessions', { key: null, body: {} })).status).toBe(401);
    expect((await api.request('POST', '/v1/portal-sessions', { key: 'hr_nope', body: {} })).status).toBe(401);
  });

  test.each([
    [{ ttl_seconds: 0 }, 'ttl_seconds'],
    [{ ttl_seconds: 86401 }, 'ttl_seconds'],
    [{ ttl_seconds: -5 }, 'ttl_seconds'],
    [{ ttl_seconds: 1.5 }, 'ttl_seconds'],
    [{ ttl_seconds: '60' }, 'ttl_seconds'],
    [{ ttl_seconds: null }, 'ttl_seconds'],
    [{ read_only: 'yes' }, 'read_only'],
    [{ tenant: 'bad tenant!' }, 'tenant'],
    [{ tenant: 7 }, 'tenant'],
    [{ scope: 'all' }, 'scope'],
  ])('%j → 400 naming %s', async (body, field) => {
    const res = await api.request('POST', '/v1/portal-sessions', { body });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(JSON.stringify(res.body)).toContain(field);
  });

  test('malformed JSON → 400, not a 500', async () => {
    const res = await api.request('POST', '/v1/portal-sessions', { raw: '{"ttl_seconds":', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
  });
});

describe('a portal token', () => {
  let tenant: string;
  let other: string;
  let mine: string;
  let theirs: string;
  let token: string;

  beforeAll(async () => {
    tenant = uniqueTenant('cust');
    other = uniqueTenant('else');
    mine = await webhook(tenant);
    theirs = await webhook(other);
    token = (await portal({ tenant })).token;
  });

  test('acts as a Bearer key for its tenant only', async () => {
    const list = await api.request('GET', '/v1/webhooks', { key: token });
    expect(list.status).toBe(200);
    expect(list.body.webhooks.map((w: { id: string }) => w.id)).toEqual([mine]);
    expect((await api.request('GET', `/v1/webhooks/${theirs}`, { key: token })).status).toBe(404);
    expect((await api.request('GET', `/v1/webhooks?tenant=${other}`, { key: token })).status).toBe(403);
    const search = await api.request('POST', '/v1/webhooks:search', { key: token, body: { webhook_id: theirs } });
    expect(search.status).toBe(200);
    expect(search.body.notifications).toEqual([]);
    expect((await api.request('GET', '/v1/stats', { key: token })).body.tenant).toBe(tenant);
  });

  test('manages its webhooks: create, update, ping, sendexpired, delete', async () => {
    const created = await api.request('POST', '/v1/webhooks', {
      key: token,
      body: { url: 'https://example.com/new', enabled_events: ['CARD.*'], is_enabled: true },
    });
    expect(created.status).toBe(201);
    expect(created.body.tenant).toBe(tenant);
    expect((await api.request('PATCH', `/v1/webhooks/${created.body.id}`, { key: token, body: { description: 'from the portal' } })).status).toBe(200);
    const ping = await api.request('POST', `/v1/webhooks/${created.body.id}:ping`, { key: token });
    expect(ping.status).toBe(200);
    expect((await api.request('POST', '/v1/webhooks:sendexpired', { key: token, body: {} })).status).toBe(202);
    expect((await api.request('DELETE', `/v1/webhooks/${created.body.id}`, { key: token })).status).toBe(204);
  });

  test('cannot create portal sessions or touch API keys (403)', async () => {
    for (const [method, path, body] of [
      ['POST', '/v1/portal-sessions', {}],
      ['POST', '/v1/portal-sessions', { tenant }],
      ['POST', '/v1/api-keys', { tenant }],
      ['GET', '/v1/api-keys', undefined],
      ['DELETE', `/v1/api-keys/${randomUUID()}`, undefined],
    ] as const) {
      const res = await api.request(method, path, { key: token, body });
      expect([method, path, res.status]).toEqual([method, path, 403]);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
  });

  test('the guard sees paths as routing does: case, trailing slash, encoded colons', async () => {
    const key = await createTenantKey(api, tenant);
    const keyId = (await api.request('GET', `/v1/api-keys?tenant=${tenant}`)).body.api_keys[0].id;
    for (const path of [`/V1/API-KEYS/${keyId}`, `/v1/api-keys/${keyId}/`]) {
      expect([path, (await api.request('DELETE', path, { key: token })).status]).toEqual([path, 403]);
    }
    expect((await api.request('GET', '/v1/webhooks', { key })).status).toBe(200);
  });

  test('GET /v1/portal-sessions/current describes it; an API key gets 404', async () => {
    const res = await api.request('GET', '/v1/portal-sessions/current', { key: token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ tenant, read_only: false, expires_at: expect.any(String) });
    expect((await api.request('GET', '/v1/portal-sessions/current')).status).toBe(404);
  });

  test('an unknown portal token is 401', async () => {
    expect((await api.request('GET', '/v1/webhooks', { key: `hrp_${'x'.repeat(43)}` })).status).toBe(401);
  });
});

describe('a read-only portal token', () => {
  let tenant: string;
  let token: string;
  let id: string;
  let notification: string;

  beforeAll(async () => {
    tenant = uniqueTenant('ro');
    id = await webhook(tenant, 'http://127.0.0.1:9/unreachable');
    const event = await api.request('POST', '/v1/events', { body: { tenant, type: 'CARD.CREATED', resource: { id: 'c1' } } });
    notification = event.body.notification_ids[0];
    token = (await portal({ tenant, read_only: true })).token;
  });

  test('reads: GET routes, POST :search', async () => {
    expect((await api.request('GET', '/v1/webhooks', { key: token })).status).toBe(200);
    expect((await api.request('GET', `/v1/webhooks/${id}`, { key: token })).status).toBe(200);
    expect((await api.request('GET', `/v1/notifications/${notification}`, { key: token })).status).toBe(200);
    expect((await api.request('GET', '/v1/stats', { key: token })).status).toBe(200);
    expect((await api.request('GET', '/v1/event-types', { key: token })).status).toBe(200);
    const search = await api.request('POST', '/v1/webhooks:search', { key: token, body: { webhook_id: id } });
    expect(search.status).toBe(200);
    expect(search.body.notifications.map((n: { id: string }) => n.id)).toEqual([notification]);
    expect((await api.request('POST', '/v1/webhooks/search', { key: token, body: {} })).status).toBe(200);
    // :test-filter evaluates, it changes nothing
    const tried = await api.request('POST', `/v1/webhooks/${id}:test-filter`, {
      key: token,
      body: { event: { type: 'CARD.CREATED', resource: { id: 'c1' } } },
    });
    expect([tried.status, tried.body.matches]).toEqual([200, true]);
    expect((await api.request('GET', '/v1/portal-sessions/current', { key: token })).body.read_only).toBe(true);
  });

  test('encoded colons: %3Asearch is still a read, %3Aping still a change', async () => {
    expect((await api.request('POST', '/v1/webhooks%3Asearch', { key: token, body: {} })).status).toBe(200);
    expect((await api.request('POST', `/v1/webhooks/${id}%3Aping`, { key: token })).status).toBe(403);
    expect((await api.request('POST', `/V1/WEBHOOKS/${id}:PING`, { key: token })).status).toBe(403);
  });

  test('every change is 403, ping, resend and sendexpired included, whatever the body', async () => {
    const calls: [string, string, unknown][] = [
      ['POST', '/v1/webhooks', { url: 'https://example.com/x', enabled_events: ['CARD.CREATED'], is_enabled: true }],
      ['POST', '/v1/webhooks', { nonsense: true }],
      ['PUT', `/v1/webhooks/${id}`, { description: 'x' }],
      ['PATCH', `/v1/webhooks/${id}`, { description: 'x' }],
      ['DELETE', `/v1/webhooks/${id}`, undefined],
      ['POST', `/v1/webhooks/${id}:ping`, undefined],
      ['POST', `/v1/webhooks/${id}/secret:rotate`, undefined],
      ['POST', '/v1/webhooks:sendexpired', {}],
      ['POST', '/v1/webhooks/sendexpired', {}],
      ['POST', `/v1/notifications/${notification}:resend`, undefined],
      ['POST', '/v1/events', { type: 'CARD.CREATED', resource: { id: 'c2' } }],
      ['POST', '/v1/events:batch', { events: [{ type: 'CARD.CREATED', resource: { id: 'c3' } }] }],
      ['PUT', '/v1/event-types/PORTAL.TRY', { description: 'x' }],
      ['POST', '/v1/event-types', { name: 'PORTAL.TRY' }],
      ['POST', '/v1/portal-sessions', {}],
      ['POST', '/v1/api-keys', { tenant }],
    ];
    for (const [method, path, body] of calls) {
      const res = await api.request(method, path, { key: token, body });
      expect([method, path, res.status]).toEqual([method, path, 403]);
    }
    // nothing changed
    const after = await api.request('GET', `/v1/webhooks/${id}`);
    expect(after.body.description ?? null).toBeNull();
    expect((await api.request('GET', `/v1/notifications/${notification}`)).body.attempts.filter((a: { trigger: string }) => a.trigger === 'resend')).toEqual(
      [],
    );
  });
});

test('a token is refused (401) within a second of expires_at', async () => {
  const tenant = uniqueTenant('exp');
  const { token, expires_at } = await portal({ tenant, ttl_seconds: 2 });
  expect((await api.request('GET', '/v1/webhooks', { key: token })).status).toBe(200);
  const end = Date.parse(expires_at);
  await new Promise((r) => setTimeout(r, Math.max(0, end + 1000 - Date.now())));
  const res = await api.request('GET', '/v1/webhooks', { key: token });
  expect(res.status).toBe(401);
  expect(res.body.detail).toMatch(/expired/);
});

test('sessions that ended more than a day ago are deleted when a new one is made', async () => {
  const tenant = uniqueTenant('old');
  await api.db.$executeRawUnsafe(
    `INSERT INTO portal_sessions (id, tenant_id, token_hash, expires_at) VALUES (gen_random_uuid(), $1, md5(random()::text), now() - interval '2 days'), (gen_random_uuid(), $1, md5(random()::text), now() - interval '1 hour')`,
    tenant,
  );
  await portal({ tenant: uniqueTenant() });
  const left = await api.db.$queryRawUnsafe<{ n: number }[]>('SELECT count(*)::int AS n FROM portal_sessions WHERE tenant_id = $1', tenant);
  expect(left[0]!.n).toBe(1);
});

test('tokens are never logged', async () => {
  const { token } = await portal({ tenant: uniqueTenant('log') });
  await api.request('GET', '/v1/webhooks', { key: token });
  await api.request('POST', '/v1/portal-sessions', { key: token, body: {} });
  await new Promise((r) => setTimeout(r, 200));
  const all = logged.join('');
  expect(all).toContain('/v1/portal-sessions');
  expect(all).not.toContain(token);
  expect(all).not.toContain(token.slice(4, 24));
});
