/**
 * GET /v1/stats over HTTP against the real stack (API + worker, real
 * receivers): counts by status, per-webhook health, tenant isolation,
 * validation; and the dashboard's static assets with their security headers.
 */
import { startReceiver, type Receiver } from '../support/receiver.js';
import { startStack, until, type Stack } from '../support/stack.js';
import { uniqueTenant } from '../support/env.js';

let stack: Stack;
let ok: Receiver;
let failing: Receiver;
let gone: Receiver;

beforeAll(async () => {
  stack = await startStack({ RETRY_SCHEDULE: '1,1' });
  ok = await startReceiver({ status: 200, body: 'thanks' });
  failing = await startReceiver({ status: 500, body: 'boom' });
  gone = await startReceiver({ status: 410, body: 'gone for good' });
});
afterAll(async () => {
  await stack.stop();
  await Promise.all([ok.close(), failing.close(), gone.close()]);
});

async function keyFor(tenant: string): Promise<string> {
  const res = await stack.call('POST', '/v1/api-keys', { tenant, name: 'stats-test' });
  expect(res.status).toBe(201);
  return res.body.key;
}

async function webhook(key: string, url: string, events = ['CARD.CREATED']): Promise<string> {
  const res = await stack.call('POST', '/v1/webhooks', { url, enabled_events: events, is_enabled: true }, key);
  expect(res.status).toBe(201);
  return res.body.id;
}

async function publish(key: string, count: number, type = 'CARD.CREATED'): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    const res = await stack.call('POST', '/v1/events', { type, resource: { id: `card_${i}` } }, key);
    expect(res.status).toBe(202);
  }
}

const stats = async (key: string, query = '') => stack.call('GET', `/v1/stats${query}`, undefined, key);

test("counts notifications by status and reports each webhook's health; a tenant key sees only its own tenant", async () => {
  const a = uniqueTenant('a');
  const b = uniqueTenant('b');
  const [keyA, keyB] = [await keyFor(a), await keyFor(b)];
  const healthyA = await webhook(keyA, ok.url);
  const failingA = await webhook(keyA, failing.url);
  const goneA = await webhook(keyA, gone.url, ['CARD.UPDATED']);
  const healthyB = await webhook(keyB, ok.url);
  await publish(keyA, 2);
  await publish(keyA, 1, 'CARD.UPDATED');
  await publish(keyB, 1);

  // A: 2 SUCCEEDED (healthy), 2 EXPIRED after 3 attempts each (failing), 1 CANCELLED by the 410 (gone)
  const settled = await until(
    async () => {
      const res = await stats(keyA);
      const n = res.body.notifications;
      return n.SUCCEEDED === 2 && n.EXPIRED === 2 && n.CANCELLED === 1 ? res : null;
    },
    { timeoutMs: 20000 },
  );
  expect(settled.status).toBe(200);
  const body = settled.body;
  expect(body.tenant).toBe(a);
  expect(body.window_seconds).toBe(86400);
  expect(Date.parse(body.generated_at)).toBeGreaterThan(Date.now() - 60_000);
  expect(body.notifications).toEqual({ PENDING: 0, SUCCEEDED: 2, EXPIRED: 2, CANCELLED: 1, total: 5 });
  expect(body.webhooks.map((w: { webhook_id: string }) => w.webhook_id)).toEqual([healthyA, failingA, goneA]);

  const [healthy, bad, disabled] = body.webhooks;
  expect(healthy).toMatchObject({
    url: ok.url,
    is_enabled: true,
    disabled_reason: null,
    attempts: 2,
    succeeded_attempts: 2,
    success_rate: 1,
    last_status_code: 200,
    last_error: null,
    notifications: { PENDING: 0, SUCCEEDED: 2, EXPIRED: 0, CANCELLED: 0, total: 2 },
  });
  expect(bad).toMatchObject({ is_enabled: true, attempts: 6, succeeded_attempts: 0, success_rate: 0, last_status_code: 500 });
  expect(bad.notifications).toMatchObject({ EXPIRED: 2, total: 2 });
  expect(typeof bad.avg_duration_ms).toBe('number');
  expect(disabled).toMatchObject({ is_enabled: false, attempts: 1, success_rate: 0, last_status_code: 410, notifications: { CANCELLED: 1, total: 1 } });
  expect(disabled.disabled_reason).toMatch(/410 Gone/);

  // B sees only B, whichever way it asks; the admin sees A's numbers when it names A
  const fromB = await stats(keyB);
  expect(fromB.status).toBe(200);
  expect(fromB.body.tenant).toBe(b);
  await until(async () => (await stats(keyB)).body.notifications.SUCCEEDED === 1);
  expect((await stats(keyB)).body.notifications).toEqual({ PENDING: 0, SUCCEEDED: 1, EXPIRED: 0, CANCELLED: 0, total: 1 });
  expect((await stats(keyB)).body.webhooks.map((w: { webhook_id: string }) => w.webhook_id)).toEqual([healthyB]);
  const crossing = await stats(keyB, `?tenant=${a}`);
  expect(crossing.status).toBe(403);
  expect(crossing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const admin = await stack.call('GET', `/v1/stats?tenant=${a}`);
  expect(admin.status).toBe(200);
  expect(admin.body.notifications).toEqual(body.notifications);

  // a success after failures moves the rate: resend an expired one to a receiver that now answers 200
  const expired = await stack.call('POST', '/v1/webhooks:search', { webhook_id: failingA, status: 'EXPIRED', limit: 1 }, keyA);
  failing.respondWith({ status: 200 });
  try {
    const resent = await stack.call('POST', `/v1/notifications/${expired.body.notifications[0].id}:resend`, undefined, keyA);
    expect(resent.body.status).toBe('SUCCEEDED');
  } finally {
    failing.respondWith({ status: 500, body: 'boom' });
  }
  const after = (await stats(keyA)).body;
  expect(after.notifications).toMatchObject({ SUCCEEDED: 3, EXPIRED: 1, total: 5 });
  expect(after.webhooks[1]).toMatchObject({ attempts: 7, succeeded_attempts: 1, success_rate: 1 / 7, last_status_code: 200 });
});

test('a tenant with nothing yet gets zeros; the admin without a tenant acts for "default"', async () => {
  const empty = await stats(await keyFor(uniqueTenant('empty')));
  expect(empty.status).toBe(200);
  expect(empty.body.notifications).toEqual({ PENDING: 0, SUCCEEDED: 0, EXPIRED: 0, CANCELLED: 0, total: 0 });
  expect(empty.body.webhooks).toEqual([]);
  const admin = await stack.call('GET', '/v1/stats');
  expect(admin.status).toBe(200);
  expect(admin.body.tenant).toBe('default');
});

test('bad queries are 400 problems naming the field; no key is a 401', async () => {
  const badTenant = await stack.call('GET', '/v1/stats?tenant=not%20a%20tenant');
  expect(badTenant.status).toBe(400);
  expect(badTenant.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(badTenant.body).toMatchObject({ status: 400, errors: [expect.objectContaining({ field: 'tenant' })] });
  const unknown = await stack.call('GET', '/v1/stats?window=7d');
  expect(unknown.status).toBe(400);
  expect(unknown.body.errors).toEqual([expect.objectContaining({ field: 'window' })]);
  const anonymous = await fetch(`${stack.api.url}/v1/stats`);
  expect(anonymous.status).toBe(401);
  expect(anonymous.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const wrongMethod = await stack.call('POST', '/v1/stats', {});
  expect(wrongMethod.status).toBe(405);
});

test('the stats route is in the OpenAPI document with its response schema', async () => {
  const doc = (await stack.call('GET', '/openapi.json')).body;
  const op = doc.paths['/v1/stats'].get;
  expect(op.parameters.map((p: { name: string }) => p.name)).toEqual(['tenant']);
  const schema = op.responses['200'].content['application/json'].schema;
  expect(schema.required).toEqual(expect.arrayContaining(['notifications', 'webhooks', 'window_seconds']));
  expect(schema.properties.webhooks.items.properties.success_rate.type).toEqual(['number', 'null']);
  expect(doc.paths['/dashboard'].get.security).toEqual([]);
});

test('the dashboard page and its assets load without a key, under a strict Content-Security-Policy', async () => {
  const page = await fetch(`${stack.api.url}/dashboard`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  const csp = page.headers.get('content-security-policy') ?? '';
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("default-src 'none'");
  expect(csp).not.toContain('unsafe-inline');
  expect(page.headers.get('x-content-type-options')).toBe('nosniff');
  const html = await page.text();
  expect(html).toContain('<script type="module" src="/dashboard/dashboard.js"></script>');
  expect(html).not.toMatch(/<script>(?!<)/); // no inline script
  expect((await fetch(`${stack.api.url}/dashboard/`)).status).toBe(200);

  // dashboard.js and every module it imports, directly or not (compiled from packages/api/dashboard-src)
  const modules = ['dashboard.js'];
  for (const name of modules) {
    const script = await fetch(`${stack.api.url}/dashboard/${name}`);
    expect({ name, status: script.status }).toEqual({ name, status: 200 });
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(script.headers.get('content-security-policy')).toBe(csp);
    const source = await script.text();
    expect(source).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    for (const [, imported] of source.matchAll(/from '\.\/([a-z-]+\.js)'/g)) if (!modules.includes(imported)) modules.push(imported);
  }
  expect(modules).toEqual(expect.arrayContaining(['portal.js', 'webhook-editor.js', 'dom.js']));
  expect((await fetch(`${stack.api.url}/dashboard/dashboard.css`)).headers.get('content-type')).toMatch(/^text\/css/);

  for (const path of ['/dashboard/secret.txt', '/dashboard/..%2Fpackage.json', '/dashboard/%2e%2e%2fpackage.json']) {
    const res = await fetch(`${stack.api.url}${path}`);
    expect({ path, status: res.status }).toEqual({ path, status: 404 });
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  }
});
