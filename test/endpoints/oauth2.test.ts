/**
 * Webhook `auth` of type oauth2_client_credentials end to end (SPEC
 * "Endpoints"). The token endpoint is a real HTTP server that checks the
 * form body and the client's credentials, counts its requests and expires
 * tokens: one fetch serves concurrent deliveries, an expired token is
 * fetched again, a 401 from the endpoint costs exactly one new token and one
 * more request, a failing token endpoint is a failed attempt that says so
 * (no loop). The client secret and the tokens are never logged.
 */
import { OAuth2TokenError, OAuth2TokenProvider } from '@hookrelay/delivery';
import { until } from '../support/stack.js';
import { uniqueTenant } from '../support/env.js';
import { CLIENT, forNotification, NEW_CLIENT_SECRET, useAuthRig } from './auth-rig.js';

const rig = useAuthRig();

describe('oauth2_client_credentials', () => {
  beforeEach(() => {
    rig.tokens.expiresIn = 3600;
    rig.tokens.failWith = null;
    rig.tokens.delayMs = 0;
    rig.tokens.client.secret = CLIENT.secret;
  });

  test('the token is fetched with the form body and client credentials, and sent on every trigger', async () => {
    const tenant = uniqueTenant('oauth');
    const webhook = await rig.createWebhook(tenant, rig.oauth2());
    expect(webhook.auth).toEqual({
      type: 'oauth2_client_credentials',
      token_url: rig.tokens.url,
      client_id: CLIENT.id,
      scope: 'events:write audit',
      audience: 'https://api.example.com',
    });
    const from = rig.tokens.requests.length;
    const sent = await rig.authorizationOnEveryTrigger(tenant, webhook.id);
    for (const value of sent) expect(rig.tokens.isValid(value.replace(/^Bearer /, ''))).toBe(true);
    const requests = rig.tokens.requests.slice(from);
    // the worker fetched one (schedule), the API one (resend, then reused for ping): caches are per process
    expect(requests).toHaveLength(2);
    for (const r of requests) {
      expect(r.form).toEqual({ grant_type: 'client_credentials', scope: 'events:write audit', audience: 'https://api.example.com' });
      expect(r.contentType).toBe('application/x-www-form-urlencoded');
      expect([r.clientId, r.clientSecret]).toEqual([CLIENT.id, CLIENT.secret]);
    }

    const row = await rig.stack.db.webhook.findUniqueOrThrow({ where: { id: webhook.id } });
    expect(row.auth).toMatchObject({ token_url: rig.tokens.url, client_id: CLIENT.id, client_secret: expect.stringMatching(/^enc:v1:/) });
    expect(JSON.stringify(row.auth)).not.toContain(CLIENT.secret);
  }, 30_000);

  test('concurrent deliveries share one token request', async () => {
    const tenant = uniqueTenant('oauth');
    await rig.createWebhook(tenant, rig.oauth2());
    rig.tokens.delayMs = 700;
    const from = rig.tokens.requests.length;
    const ids = await Promise.all(Array.from({ length: 8 }, () => rig.publish(tenant)));
    await Promise.all(ids.map((id) => rig.stack.settled(id, 'SUCCEEDED')));
    expect(rig.tokens.requests.length - from).toBe(1);
    const used = new Set(ids.map((id) => rig.receiver.requests.find(forNotification(id))!.headers.authorization));
    expect(used).toEqual(new Set([`Bearer ${rig.tokens.issued[rig.tokens.issued.length - 1]}`]));
  }, 30_000);

  test('one in-flight request serves concurrent callers of the token provider', async () => {
    const provider = new OAuth2TokenProvider({ timeoutMs: 5000, allowPrivateDestinations: true });
    rig.tokens.delayMs = 300;
    const from = rig.tokens.requests.length;
    const credentials = rig.oauth2() as Parameters<OAuth2TokenProvider['token']>[1];
    const got = await Promise.all(Array.from({ length: 20 }, () => provider.token('webhook-a', credentials)));
    expect(new Set(got).size).toBe(1);
    expect(rig.tokens.requests.length - from).toBe(1);
    // another webhook, or a changed configuration, has a token of its own
    await provider.token('webhook-b', credentials);
    rig.tokens.client.secret = NEW_CLIENT_SECRET;
    await provider.token('webhook-a', { ...credentials, client_secret: NEW_CLIENT_SECRET });
    expect(rig.tokens.requests.length - from).toBe(3);
  }, 30_000);

  test('an expired token is fetched again', async () => {
    const tenant = uniqueTenant('oauth');
    await rig.createWebhook(tenant, rig.oauth2());
    rig.tokens.expiresIn = 2;
    const from = rig.tokens.requests.length;
    const first = await rig.publish(tenant);
    await rig.stack.settled(first, 'SUCCEEDED');
    const second = await rig.publish(tenant);
    await rig.stack.settled(second, 'SUCCEEDED');
    expect(rig.tokens.requests.length - from).toBe(1);
    await new Promise((r) => setTimeout(r, 2200));
    const third = await rig.publish(tenant);
    await rig.stack.settled(third, 'SUCCEEDED');
    expect(rig.tokens.requests.length - from).toBe(2);
    const sent = [first, second, third].map((id) => rig.receiver.requests.find(forNotification(id))!.headers.authorization);
    expect(sent[0]).toBe(sent[1]);
    expect(sent[2]).not.toBe(sent[0]);
  }, 30_000);

  test('a 401 from the endpoint fetches one new token and sends once more, in the same attempt', async () => {
    const tenant = uniqueTenant('oauth');
    await rig.createWebhook(tenant, rig.oauth2());
    const warm = await rig.publish(tenant);
    await rig.stack.settled(warm, 'SUCCEEDED');
    rig.tokens.revokeAll();
    const from = rig.tokens.requests.length;
    const nid = await rig.publish(tenant);
    const notification = await rig.stack.settled(nid, 'SUCCEEDED');
    expect(rig.tokens.requests.length - from).toBe(1);
    const received = rig.receiver.requests.filter(forNotification(nid));
    expect(received).toHaveLength(2);
    expect(received[0]!.headers.authorization).not.toBe(received[1]!.headers.authorization);
    expect(notification.attempt_count).toBe(1);
    expect(notification.attempts).toEqual([expect.objectContaining({ attempt_number: 1, status_code: 200, error: null })]);
  }, 30_000);

  test('an endpoint that always answers 401: one refetch per attempt, retried on the schedule, no loop', async () => {
    const tenant = uniqueTenant('oauth');
    const webhook = await rig.createWebhook(tenant, rig.oauth2());
    rig.receiver.respondWith((r) => ({ status: r.headers['webhook-id'] && r.body.includes(webhook.id) ? 401 : 200 }));
    try {
      const from = rig.tokens.requests.length;
      const nid = await rig.publish(tenant);
      const expired = await rig.stack.settled(nid, 'EXPIRED');
      await new Promise((r) => setTimeout(r, 1500));
      expect(rig.receiver.requests.filter(forNotification(nid))).toHaveLength(6);
      // first attempt: a fetch and a refetch; each later attempt: the cached token, then one refetch
      expect(rig.tokens.requests.length - from).toBe(4);
      expect(expired.attempts.map((a: { status_code: number }) => a.status_code)).toEqual([401, 401, 401]);
    } finally {
      rig.acceptConfigured();
    }
  }, 30_000);

  test('a failing token endpoint is a failed attempt that says so, retried on the schedule, never looping', async () => {
    const tenant = uniqueTenant('oauth');
    await rig.createWebhook(tenant, rig.oauth2());
    rig.tokens.failWith = 500;
    const from = rig.tokens.requests.length;
    const nid = await rig.publish(tenant);
    const expired = await rig.stack.settled(nid, 'EXPIRED');
    await new Promise((r) => setTimeout(r, 1500));
    expect(rig.tokens.requests.length - from).toBe(3);
    expect(rig.receiver.requests.filter(forNotification(nid))).toHaveLength(0);
    expect(expired.attempts).toHaveLength(3);
    for (const attempt of expired.attempts) expect(attempt).toMatchObject({ status_code: null, error: 'oauth2 token request failed: HTTP 500' });

    // sent again once the token endpoint is back
    rig.tokens.failWith = null;
    expect((await rig.stack.call('POST', '/v1/webhooks:sendexpired', { tenant })).body).toEqual({ requeued: 1 });
    await rig.stack.settled(nid, 'SUCCEEDED');
  }, 30_000);

  test('a changed configuration gets a token of its own', async () => {
    const tenant = uniqueTenant('oauth');
    const webhook = await rig.createWebhook(tenant, rig.oauth2());
    const first = await rig.publish(tenant);
    await rig.stack.settled(first, 'SUCCEEDED');
    rig.tokens.client.secret = NEW_CLIENT_SECRET;
    const from = rig.tokens.requests.length;
    expect((await rig.stack.call('PUT', `/v1/webhooks/${webhook.id}`, { auth: rig.oauth2({ client_secret: NEW_CLIENT_SECRET }) })).status).toBe(200);
    const second = await rig.publish(tenant);
    await rig.stack.settled(second, 'SUCCEEDED');
    expect(rig.tokens.requests.slice(from).map((r) => r.clientSecret)).toEqual([NEW_CLIENT_SECRET]);
  }, 30_000);

  test('the token URL passes the destination guard at fetch time', async () => {
    const guarded = new OAuth2TokenProvider({
      timeoutMs: 2000,
      allowPrivateDestinations: false,
      // a public-looking name that resolves inside (DNS rebinding)
      lookup: (_host, _options, callback) => callback(null, [{ address: '127.0.0.1', family: 4 }]),
    });
    const from = rig.tokens.requests.length;
    const rebound = guarded.token('w', rig.oauth2({ token_url: `http://rig.tokens.example.com:${new URL(rig.tokens.url).port}/oauth/token` }) as never);
    await expect(rebound).rejects.toThrow(OAuth2TokenError);
    await expect(rebound).rejects.toThrow(/oauth2 token request failed: blocked destination/);
    await expect(guarded.token('w', rig.oauth2() as never)).rejects.toThrow(/oauth2 token request failed: blocked destination: token_url points to a private/);
    expect(rig.tokens.requests.length).toBe(from);
  });
});

test('no client secret or access token in the API and worker logs', async () => {
  await until(async () => rig.tokens.issued.length > 0);
  const log = rig.stack.log();
  expect(log).toContain('delivery attempt');
  for (const secret of [CLIENT.secret, NEW_CLIENT_SECRET, ...rig.tokens.issued]) expect(log).not.toContain(secret);
});
