/**
 * Webhook `auth` end to end (SPEC "Endpoints"): Basic and bearer
 * credentials arrive at a real receiver on scheduled deliveries, ping and
 * resend; bad `auth` values are 400s naming the field; a private token_url
 * is refused at write time. Secrets are write-only, sealed at rest and never
 * logged. OAuth2 client credentials: oauth2.test.ts.
 */
import { SecretBox } from '@hookrelay/core';
import { startStack } from '../support/stack.js';
import { uniqueTenant } from '../support/env.js';
import { BEARER, PASSWORD, useAuthRig } from './auth-rig.js';
import { ENCRYPTION_KEY } from './endpoint-stack.js';

const rig = useAuthRig();

test('basic: sent on every trigger; reads show the username only; the password is sealed', async () => {
  const tenant = uniqueTenant('auth');
  const webhook = await rig.createWebhook(tenant, { type: 'basic', username: 'hookrelay', password: PASSWORD });
  expect(webhook.auth).toEqual({ type: 'basic', username: 'hookrelay' });
  expect((await rig.stack.call('GET', `/v1/webhooks/${webhook.id}`)).body.auth).toEqual({ type: 'basic', username: 'hookrelay' });
  const expected = `Basic ${Buffer.from(`hookrelay:${PASSWORD}`).toString('base64')}`;
  expect(await rig.authorizationOnEveryTrigger(tenant, webhook.id)).toEqual([expected, expected, expected]);

  const row = await rig.stack.db.webhook.findUniqueOrThrow({ where: { id: webhook.id } });
  const stored = row.auth as Record<string, string>;
  expect(stored).toMatchObject({ type: 'basic', username: 'hookrelay', password: expect.stringMatching(/^enc:v1:/) });
  expect(JSON.stringify(stored)).not.toContain(PASSWORD);
  expect(new SecretBox(ENCRYPTION_KEY).open(stored.password!)).toBe(PASSWORD);
}, 30_000);

test('bearer: sent on every trigger; reads show the type only; null removes it', async () => {
  const tenant = uniqueTenant('auth');
  const webhook = await rig.createWebhook(tenant, { type: 'bearer', token: BEARER });
  expect(webhook.auth).toEqual({ type: 'bearer' });
  expect(await rig.authorizationOnEveryTrigger(tenant, webhook.id)).toEqual(Array(3).fill(`Bearer ${BEARER}`));
  expect(JSON.stringify((await rig.stack.db.webhook.findUniqueOrThrow({ where: { id: webhook.id } })).auth)).not.toContain(BEARER);

  const removed = await rig.stack.call('PATCH', `/v1/webhooks/${webhook.id}`, { auth: null });
  expect(removed.body.auth).toBeNull();
  const before = rig.receiver.requests.length;
  await rig.stack.call('POST', `/v1/webhooks/${webhook.id}:ping`);
  expect(rig.receiver.requests.slice(before).map((r) => r.headers.authorization)).toEqual([undefined]);
}, 30_000);

test('a private token_url is refused at write time unless ALLOW_PRIVATE_DESTINATIONS=true', async () => {
  const guarded = await startStack({ ALLOW_PRIVATE_DESTINATIONS: 'false' }, { worker: false });
  try {
    const body = { url: 'https://hooks.example.com/x', enabled_events: ['*'], is_enabled: true };
    for (const tokenUrl of ['http://127.0.0.1:9/token', 'http://169.254.169.254/latest', 'http://localhost/token', 'http://[::1]/t']) {
      const res = await guarded.call('POST', '/v1/webhooks', { ...body, auth: rig.oauth2({ token_url: tokenUrl }) });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'auth.token_url' })]);
    }
    const created = await guarded.call('POST', '/v1/webhooks', { ...body, auth: rig.oauth2({ token_url: 'https://auth.example.com/token' }) });
    expect(created.status).toBe(201);
    const update = await guarded.call('PATCH', `/v1/webhooks/${created.body.id}`, { auth: rig.oauth2({ token_url: 'http://10.0.0.1/token' }) });
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
  [
    'oauth2 with a numeric scope',
    { type: 'oauth2_client_credentials', token_url: 'https://a.example/t', client_id: 'c', client_secret: 's', scope: 1 },
    'auth.scope',
  ],
  ['a string', 'Bearer abc', 'auth'],
  ['an array', [{ type: 'bearer', token: 'a' }], 'auth'],
])('auth with %s is a 400 naming the field', async (_label, auth, field) => {
  const res = await rig.stack.call('POST', '/v1/webhooks', { url: rig.receiver.url, enabled_events: ['*'], is_enabled: true, auth });
  expect(res.status).toBe(400);
  expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  expect(JSON.stringify(res.body)).not.toContain('X-Injected');
});

test('the OpenAPI document describes auth on requests and responses', async () => {
  const doc = (await fetch(`${rig.stack.api.url}/openapi.json`).then((r) => r.json())) as any;
  const auth = doc.paths['/v1/webhooks'].post.requestBody.content['application/json'].schema.properties.auth;
  const types = auth.anyOf.map((s: any) => s.properties?.type?.enum?.[0] ?? s.type);
  expect(types).toEqual(['basic', 'bearer', 'oauth2_client_credentials', 'null']);
  expect(auth.anyOf[2].required.sort()).toEqual(['client_id', 'client_secret', 'token_url', 'type']);
  const view = doc.components.schemas.Webhook.properties.auth;
  expect(view.oneOf.map((s: any) => s.properties?.type?.const ?? s.type)).toEqual(['null', 'basic', 'bearer', 'oauth2_client_credentials']);
  const shown = view.oneOf.flatMap((s: any) => Object.keys(s.properties ?? {}));
  for (const secret of ['password', 'token', 'client_secret']) expect(shown).not.toContain(secret);
});

test('no password or token in the API and worker logs', async () => {
  const log = rig.stack.log();
  expect(log).toContain('delivery attempt');
  for (const secret of [PASSWORD, BEARER]) expect(log).not.toContain(secret);
  expect(log).not.toContain(Buffer.from(`hookrelay:${PASSWORD}`).toString('base64'));
});
