/**
 * Webhook `auth` end to end (SPEC "Endpoints"): Basic, bearer and OAuth2
 * client credentials arrive at a real receiver on scheduled deliveries,
 * ping and resend. The OAuth2 token endpoint is a real HTTP server that
 * checks the form body and the client's credentials, counts its requests
 * and expires tokens: one fetch serves concurrent deliveries, an expired
 * token is fetched again, a 401 from the endpoint costs exactly one new
 * token and one more request, a failing token endpoint is a failed attempt
 * that says so (no loop). Secrets are write-only, sealed at rest and never
 * logged.
 */
import { SecretBox } from '@hookrelay/core';
import { OAuth2TokenError, OAuth2TokenProvider } from '@hookrelay/delivery';
import { startReceiver, type Receiver, type ReceivedRequest } from '../support/receiver.js';
import { startStack, until } from '../support/stack.js';
import { uniqueTenant } from '../support/env.js';
import { ENCRYPTION_KEY, startEndpointStack, type EndpointStack } from './endpoint-stack.js';
import { startTokenServer, type TokenServer } from './token-server.js';

const PASSWORD = 'basic-password-9d2f71';
const BEARER = 'static-bearer-token-5be03c';
const CLIENT = { id: 'hookrelay-client', secret: 'client-secret-a81f6e&=+' };
const NEW_CLIENT_SECRET = 'rotated-client-secret-03c5d9';

let stack: EndpointStack;
let receiver: Receiver;
let tokens: TokenServer;

beforeAll(async () => {
  stack = await startEndpointStack();
  tokens = await startTokenServer({ ...CLIENT });
  receiver = await startReceiver((r) => ({ status: r.headers.authorization === undefined || acceptable(r) ? 200 : 401 }));
}, 60_000);
afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
  await tokens?.close();
});

/** The receiver accepts Basic/bearer as configured and OAuth2 tokens the token server says are valid. */
function acceptable(r: ReceivedRequest): boolean {
  const auth = r.headers.authorization ?? '';
  if (auth.startsWith('Basic ') || auth === `Bearer ${BEARER}`) return true;
  return tokens.isValid(auth.replace(/^Bearer /, ''));
}

const forNotification = (id: string) => (r: ReceivedRequest) => r.headers['webhook-id'] === id;
const oauth2 = (extra: Record<string, unknown> = {}) => ({
  type: 'oauth2_client_credentials', token_url: tokens.url, client_id: CLIENT.id, client_secret: CLIENT.secret, scope: 'events:write audit', audience: 'https://api.example.com', ...extra,
});

async function createWebhook(tenant: string, auth: unknown) {
  const res = await stack.call('POST', '/v1/webhooks', { tenant, url: receiver.url, enabled_events: ['CARD.*'], is_enabled: true, auth });
  expect(res.status).toBe(201);
  return res.body;
}

async function publish(tenant: string): Promise<string> {
  const res = await stack.call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: { id: 'c1' } });
  expect(res.status).toBe(202);
  return res.body.notification_ids[0];
}

/** Delivered on schedule, resent, pinged: the Authorization header each carried. */
async function authorizationOnEveryTrigger(tenant: string, webhookId: string): Promise<string[]> {
  const nid = await publish(tenant);
  await stack.settled(nid, 'SUCCEEDED');
  expect((await stack.call('POST', `/v1/notifications/${nid}:resend`)).status).toBe(200);
  const [scheduled, resent] = (await receiver.waitFor(2, { filter: forNotification(nid) })).slice(-2);
  const before = receiver.requests.length;
  expect((await stack.call('POST', `/v1/webhooks/${webhookId}:ping`)).body).toMatchObject({ success: true, status_code: 200 });
  const ping = receiver.requests.slice(before).find((r) => JSON.parse(r.body).type === 'WEBHOOK.PING');
  return [scheduled!, resent!, ping!].map((r) => r.headers.authorization ?? '');
}

test('basic: sent on every trigger; reads show the username only; the password is sealed', async () => {
  const tenant = uniqueTenant('auth');
  const webhook = await createWebhook(tenant, { type: 'basic', username: 'hookrelay', password: PASSWORD });
  expect(webhook.auth).toEqual({ type: 'basic', username: 'hookrelay' });
  expect((await stack.call('GET', `/v1/webhooks/${webhook.id}`)).body.auth).toEqual({ type: 'basic', username: 'hookrelay' });
  const expected = `Basic ${Buffer.from(`hookrelay:${PASSWORD}`).toString('base64')}`;
  expect(await authorizationOnEveryTrigger(tenant, webhook.id)).toEqual([expected, expected, expected]);

  const row = await stack.db.webhook.findUniqueOrThrow({ where: { id: webhook.id } });
  const stored = row.auth as Record<string, string>;
  expect(stored).toMatchObject({ type: 'basic', username: 'hookrelay', password: expect.stringMatching(/^enc:v1:/) });
  expect(JSON.stringify(stored)).not.toContain(PASSWORD);
  expect(new SecretBox(ENCRYPTION_KEY).open(stored.password!)).toBe(PASSWORD);
}, 30_000);

test('bearer: sent on every trigger; reads show the type only; null removes it', async () => {
  const tenant = uniqueTenant('auth');
  const webhook = await createWebhook(tenant, { type: 'bearer', token: BEARER });
  expect(webhook.auth).toEqual({ type: 'bearer' });
  expect(await authorizationOnEveryTrigger(tenant, webhook.id)).toEqual(Array(3).fill(`Bearer ${BEARER}`));
  expect(JSON.stringify((await stack.db.webhook.findUniqueOrThrow({ where: { id: webhook.id } })).auth)).not.toContain(BEARER);

  const removed = await stack.call('PATCH', `/v1/webhooks/${webhook.id}`, { auth: null });
  expect(removed.body.auth).toBeNull();
  const before = receiver.requests.length;
  await stack.call('POST', `/v1/webhooks/${webhook.id}:ping`);
  expect(receiver.requests.slice(before).map((r) => r.headers.authorization)).toEqual([undefined]);
}, 30_000);

describe('oauth2_client_credentials', () => {
  beforeEach(() => {
    tokens.expiresIn = 3600;
    tokens.failWith = null;
    tokens.delayMs = 0;
    tokens.client.secret = CLIENT.secret;
  });

  test('the token is fetched with the form body and client credentials, and sent on every trigger', async () => {
    const tenant = uniqueTenant('oauth');
    const webhook = await createWebhook(tenant, oauth2());
    expect(webhook.auth).toEqual({ type: 'oauth2_client_credentials', token_url: tokens.url, client_id: CLIENT.id, scope: 'events:write audit', audience: 'https://api.example.com' });
    const from = tokens.requests.length;
    const sent = await authorizationOnEveryTrigger(tenant, webhook.id);
    for (const value of sent) expect(tokens.isValid(value.replace(/^Bearer /, ''))).toBe(true);
    const requests = tokens.requests.slice(from);
    // the worker fetched one (schedule), the API one (resend, then reused for ping): caches are per process
    expect(requests).toHaveLength(2);
    for (const r of requests) {
      expect(r.form).toEqual({ grant_type: 'client_credentials', scope: 'events:write audit', audience: 'https://api.example.com' });
      expect(r.contentType).toBe('application/x-www-form-urlencoded');
      expect([r.clientId, r.clientSecret]).toEqual([CLIENT.id, CLIENT.secret]);
    }

    const row = await stack.db.webhook.findUniqueOrThrow({ where: { id: webhook.id } });
    expect(row.auth).toMatchObject({ token_url: tokens.url, client_id: CLIENT.id, client_secret: expect.stringMatching(/^enc:v1:/) });
    expect(JSON.stringify(row.auth)).not.toContain(CLIENT.secret);
  }, 30_000);

  test('concurrent deliveries share one token request', async () => {
    const tenant = uniqueTenant('oauth');
    await createWebhook(tenant, oauth2());
    tokens.delayMs = 700;
    const from = tokens.requests.length;
    const ids = await Promise.all(Array.from({ length: 8 }, () => publish(tenant)));
    await Promise.all(ids.map((id) => stack.settled(id, 'SUCCEEDED')));
    expect(tokens.requests.length - from).toBe(1);
    const used = new Set(ids.map((id) => receiver.requests.find(forNotification(id))!.headers.authorization));
    expect(used).toEqual(new Set([`Bearer ${tokens.issued[tokens.issued.length - 1]}`]));
  }, 30_000);

  test('one in-flight request serves concurrent callers of the token provider', async () => {
    const provider = new OAuth2TokenProvider({ timeoutMs: 5000, allowPrivateDestinations: true });
    tokens.delayMs = 300;
    const from = tokens.requests.length;
    const credentials = oauth2() as Parameters<OAuth2TokenProvider['token']>[1];
    const got = await Promise.all(Array.from({ length: 20 }, () => provider.token('webhook-a', credentials)));
    expect(new Set(got).size).toBe(1);
    expect(tokens.requests.length - from).toBe(1);
    // another webhook, or a changed configuration, has a token of its own
    await provider.token('webhook-b', credentials);
    tokens.client.secret = NEW_CLIENT_SECRET;
    await provider.token('webhook-a', { ...credentials, client_secret: NEW_CLIENT_SECRET });
    expect(tokens.requests.length - from).toBe(3);
  }, 30_000);

  test('an expired token is fetched again', async () => {
    const tenant = uniqueTenant('oauth');
    await createWebhook(tenant, oauth2());
    tokens.expiresIn = 2;
    const from = tokens.requests.length;
    const first = await publish(tenant);
    await stack.settled(first, 'SUCCEEDED');
    const second = await publish(tenant);
    await stack.settled(second, 'SUCCEEDED');
    expect(tokens.requests.length - from).toBe(1);
    await new Promise((r) => setTimeout(r, 2200));
    const third = await publish(tenant);
    await stack.settled(third, 'SUCCEEDED');
    expect(tokens.requests.length - from).toBe(2);
    const sent = [first, second, third].map((id) => receiver.requests.find(forNotification(id))!.headers.authorization);
    expect(sent[0]).toBe(sent[1]);
    expect(sent[2]).not.toBe(sent[0]);
  }, 30_000);

  test('a 401 from the endpoint fetches one new token and sends once more, in the same attempt', async () => {
    const tenant = uniqueTenant('oauth');
    await createWebhook(tenant, oauth2());
    const warm = await publish(tenant);
    await stack.settled(warm, 'SUCCEEDED');
    tokens.revokeAll();
    const from = tokens.requests.length;
    const nid = await publish(tenant);
    const notification = await stack.settled(nid, 'SUCCEEDED');
    expect(tokens.requests.length - from).toBe(1);
    const received = receiver.requests.filter(forNotification(nid));
    expect(received).toHaveLength(2);
    expect(received[0]!.headers.authorization).not.toBe(received[1]!.headers.authorization);
    expect(notification.attempt_count).toBe(1);
    expect(notification.attempts).toEqual([expect.objectContaining({ attempt_number: 1, status_code: 200, error: null })]);
  }, 30_000);

  test('an endpoint that always answers 401: one refetch per attempt, retried on the schedule, no loop', async () => {
    const tenant = uniqueTenant('oauth');
    const webhook = await createWebhook(tenant, oauth2());
    receiver.respondWith((r) => ({ status: r.headers['webhook-id'] && r.body.includes(webhook.id) ? 401 : 200 }));
    try {
      const from = tokens.requests.length;
      const nid = await publish(tenant);
      const expired = await stack.settled(nid, 'EXPIRED');
      await new Promise((r) => setTimeout(r, 1500));
      expect(receiver.requests.filter(forNotification(nid))).toHaveLength(6);
      // first attempt: a fetch and a refetch; each later attempt: the cached token, then one refetch
      expect(tokens.requests.length - from).toBe(4);
      expect(expired.attempts.map((a: { status_code: number }) => a.status_code)).toEqual([401, 401, 401]);
    } finally {
      receiver.respondWith((r) => ({ status: r.headers.authorization === undefined || acceptable(r) ? 200 : 401 }));
    }
  }, 30_000);

  test('a failing token endpoint is a failed attempt that says so, retried on the schedule, never looping', async () => {
    const tenant = uniqueTenant('oauth');
    await createWebhook(tenant, oauth2());
    tokens.failWith = 500;
    const from = tokens.requests.length;
    const nid = await publish(tenant);
    const expired = await stack.settled(nid, 'EXPIRED');
    await new Promise((r) => setTimeout(r, 1500));
    expect(tokens.requests.length - from).toBe(3);
    expect(receiver.requests.filter(forNotification(nid))).toHaveLength(0);
    expect(expired.attempts).toHaveLength(3);
    for (const attempt of expired.attempts) expect(attempt).toMatchObject({ status_code: null, error: 'oauth2 token request failed: HTTP 500' });

    // sent again once the token endpoint is back
    tokens.failWith = null;
    expect((await stack.call('POST', '/v1/webhooks:sendexpired', { tenant })).body).toEqual({ requeued: 1 });
    await stack.settled(nid, 'SUCCEEDED');
  }, 30_000);

  test('a changed configuration gets a token of its own', async () => {
    const tenant = uniqueTenant('oauth');
    const webhook = await createWebhook(tenant, oauth2());
    const first = await publish(tenant);
    await stack.settled(first, 'SUCCEEDED');
    tokens.client.secret = NEW_CLIENT_SECRET;
    const from = tokens.requests.length;
    expect((await stack.call('PUT', `/v1/webhooks/${webhook.id}`, { auth: oauth2({ client_secret: NEW_CLIENT_SECRET }) })).status).toBe(200);
    const second = await publish(tenant);
    await stack.settled(second, 'SUCCEEDED');
    expect(tokens.requests.slice(from).map((r) => r.clientSecret)).toEqual([NEW_CLIENT_SECRET]);
  }, 30_000);

  test('the token URL passes the destination guard at fetch time', async () => {
    const guarded = new OAuth2TokenProvider({
      timeoutMs: 2000,
      allowPrivateDestinations: false,
      // a public-looking name that resolves inside (DNS rebinding)
      lookup: (_host, _options, callback) => callback(null, [{ address: '127.0.0.1', family: 4 }]),
    });
    const from = tokens.requests.length;
    const rebound = guarded.token('w', oauth2({ token_url: `http://tokens.example.com:${new URL(tokens.url).port}/oauth/token` }) as never);
    await expect(rebound).rejects.toThrow(OAuth2TokenError);
    await expect(rebound).rejects.toThrow(/oauth2 token request failed: blocked destination/);
    await expect(guarded.token('w', oauth2() as never)).rejects.toThrow(/oauth2 token request failed: blocked destination: token_url points to a private/);
    expect(tokens.requests.length).toBe(from);
  });
});

test('a private token_url is refused at write time unless ALLOW_PRIVATE_DESTINATIONS=true', async () => {
  const guarded = await startStack({ ALLOW_PRIVATE_DESTINATIONS: 'false' }, { worker: false });
  try {
    const body = { url: 'https://hooks.example.com/x', enabled_events: ['*'], is_enabled: true };
    for (const tokenUrl of ['http://127.0.0.1:9/token', 'http://169.254.169.254/latest', 'http://localhost/token', 'http://[::1]/t']) {
      const res = await guarded.call('POST', '/v1/webhooks', { ...body, auth: oauth2({ token_url: tokenUrl }) });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'auth.token_url' })]);
    }
    const created = await guarded.call('POST', '/v1/webhooks', { ...body, auth: oauth2({ token_url: 'https://auth.example.com/token' }) });
    expect(created.status).toBe(201);
    const update = await guarded.call('PATCH', `/v1/webhooks/${created.body.id}`, { auth: oauth2({ token_url: 'http://10.0.0.1/token' }) });
    expect(update.status).toBe(400);
    expect(update.body.errors[0].field).toBe('auth.token_url');
  } finally {
    await guarded.stop();
  }
}, 30_000);

test.each([
  ['an unknown type', { type: 'digest', username: 'a' }, 'auth.type'],
  ['no type', { username: 'a', password: 'b' }, 'auth.type'],
  ['basic without a password', { type: 'basic', username: 'a' }, 'auth.password'],
  ['basic with a ":" in the username', { type: 'basic', username: 'a:b', password: 'c' }, 'auth.username'],
  ['basic with a line break in the password', { type: 'basic', username: 'a', password: 'b\r\nX-Injected: 1' }, 'auth.password'],
  ['bearer with a space in the token', { type: 'bearer', token: 'a b' }, 'auth.token'],
  ['bearer with an empty token', { type: 'bearer', token: '' }, 'auth.token'],
  ['bearer with a field of another type', { type: 'bearer', token: 'a', password: 'b' }, 'auth.password'],
  ['oauth2 without a client_secret', { type: 'oauth2_client_credentials', token_url: 'https://a.example/t', client_id: 'c' }, 'auth.client_secret'],
  ['oauth2 with an ftp token_url', { type: 'oauth2_client_credentials', token_url: 'ftp://a.example/t', client_id: 'c', client_secret: 's' }, 'auth.token_url'],
  ['oauth2 with a numeric scope', { type: 'oauth2_client_credentials', token_url: 'https://a.example/t', client_id: 'c', client_secret: 's', scope: 1 }, 'auth.scope'],
  ['a string', 'Bearer abc', 'auth'],
  ['an array', [{ type: 'bearer', token: 'a' }], 'auth'],
])('auth with %s is a 400 naming the field', async (_label, auth, field) => {
  const res = await stack.call('POST', '/v1/webhooks', { url: receiver.url, enabled_events: ['*'], is_enabled: true, auth });
  expect(res.status).toBe(400);
  expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  expect(JSON.stringify(res.body)).not.toContain('X-Injected');
});

test('the OpenAPI document describes auth on requests and responses', async () => {
  const doc = (await fetch(`${stack.api.url}/openapi.json`).then((r) => r.json())) as any;
  const auth = doc.paths['/v1/webhooks'].post.requestBody.content['application/json'].schema.properties.auth;
  const types = auth.anyOf.map((s: any) => s.properties?.type?.enum?.[0] ?? s.type);
  expect(types).toEqual(['basic', 'bearer', 'oauth2_client_credentials', 'null']);
  expect(auth.anyOf[2].required.sort()).toEqual(['client_id', 'client_secret', 'token_url', 'type']);
  const view = doc.components.schemas.Webhook.properties.auth;
  expect(view.oneOf.map((s: any) => s.properties?.type?.const ?? s.type)).toEqual(['null', 'basic', 'bearer', 'oauth2_client_credentials']);
  const shown = view.oneOf.flatMap((s: any) => Object.keys(s.properties ?? {}));
  for (const secret of ['password', 'token', 'client_secret']) expect(shown).not.toContain(secret);
});

test('no password, token, client secret or access token in the API and worker logs', async () => {
  await until(async () => tokens.issued.length > 0);
  const log = stack.log();
  expect(log).toContain('delivery attempt');
  for (const secret of [PASSWORD, BEARER, CLIENT.secret, NEW_CLIENT_SECRET, ...tokens.issued]) expect(log).not.toContain(secret);
  expect(log).not.toContain(Buffer.from(`hookrelay:${PASSWORD}`).toString('base64'));
});
