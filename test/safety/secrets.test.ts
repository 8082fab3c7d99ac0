/**
 * Secrets at rest: webhook secrets are stored AES-256-GCM encrypted when
 * SECRET_ENCRYPTION_KEY is set (required in production), yet the API shows
 * them and deliveries are signed with them; API keys are stored hashed only.
 */
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { ConfigError, loadConfig, SecretBox, SecretDecryptionError } from '@hookrelay/core';
import { createPrismaClient, type PrismaClient } from '@hookrelay/db';
import { hashApiKey } from '@hookrelay/api';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { startStack, type Stack } from '../support/stack.js';
import { uniqueTenant } from '../support/env.js';

const KEY = 'test-encryption-key-0123456789abcdef';

describe('configuration', () => {
  test('NODE_ENV=production without SECRET_ENCRYPTION_KEY fails fast naming it', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/SECRET_ENCRYPTION_KEY/);
    expect(loadConfig({ NODE_ENV: 'production', SECRET_ENCRYPTION_KEY: KEY }).secretEncryptionKey).toBe(KEY);
    expect(loadConfig({}).secretEncryptionKey).toBeUndefined();
  });

  test('AUTO_DISABLE_AFTER_SECONDS: 5 days by default, 1 s at least', () => {
    expect(loadConfig({}).delivery.autoDisableAfterMs).toBe(5 * 24 * 3600 * 1000);
    expect(loadConfig({ AUTO_DISABLE_AFTER_SECONDS: '1' }).delivery.autoDisableAfterMs).toBe(1000);
    expect(() => loadConfig({ AUTO_DISABLE_AFTER_SECONDS: '0' })).toThrow(/AUTO_DISABLE_AFTER_SECONDS/);
  });
});

describe('SecretBox', () => {
  test('encrypts with AES-256-GCM, a fresh IV each time, and reads plain legacy values', () => {
    const box = new SecretBox(KEY);
    const sealed = box.seal('whsec_abc');
    expect(sealed).toMatch(/^enc:v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    expect(sealed).not.toContain('abc');
    expect(box.seal('whsec_abc')).not.toBe(sealed);
    expect(box.open(sealed)).toBe('whsec_abc');
    expect(box.open('whsec_plain')).toBe('whsec_plain');
    expect(box.open(null)).toBeNull();
  });

  test('a wrong key, a tampered value or a missing key fail loudly', () => {
    const sealed = new SecretBox(KEY).seal('whsec_abc');
    expect(() => new SecretBox('another-key-0123456789').open(sealed)).toThrow(SecretDecryptionError);
    const parts = sealed.split(':');
    parts[4] = Buffer.from('tampered').toString('base64');
    expect(() => new SecretBox(KEY).open(parts.join(':'))).toThrow(SecretDecryptionError);
    expect(() => new SecretBox(undefined).open(sealed)).toThrow(/SECRET_ENCRYPTION_KEY/);
    expect(new SecretBox(undefined).seal('whsec_abc')).toBe('whsec_abc');
  });
});

describe('with SECRET_ENCRYPTION_KEY set', () => {
  let stack: Stack;
  let receiver: Receiver;
  let db: PrismaClient;

  beforeAll(async () => {
    stack = await startStack({ SECRET_ENCRYPTION_KEY: KEY });
    receiver = await startReceiver();
    db = createPrismaClient({ url: stack.config.databaseUrl, poolSize: 2 });
  });
  afterAll(async () => {
    await stack.stop();
    await receiver.close();
    await db.$disconnect();
  });

  test('the database holds only ciphertext; the API returns the secret; deliveries verify', async () => {
    const tenant = uniqueTenant();
    const created = await stack.call('POST', '/v1/webhooks', { tenant, url: receiver.url, enabled_events: ['CARD.*'], is_enabled: true });
    expect(created.status).toBe(201);
    const secret: string = created.body.secret;
    expect(secret).toMatch(/^whsec_/);

    const row = await db.webhook.findUniqueOrThrow({ where: { id: created.body.id } });
    expect(row.secret).toMatch(/^enc:v1:/);
    expect(row.secret).not.toContain(secret.slice('whsec_'.length));
    expect((await stack.call('GET', `/v1/webhooks/${created.body.id}/secret`)).body).toEqual({ secret });

    const published = await stack.call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: { id: 'c1' } });
    const [nid] = published.body.notification_ids;
    const [request] = await receiver.waitFor(1, { filter: (r) => r.headers['webhook-id'] === nid });
    expect(() => new StandardWebhook(secret).verify(request!.body, request!.headers as Record<string, string>)).not.toThrow();

    // rotation: both columns encrypted, the new secret returned, deliveries verify with either
    const rotated = await stack.call('POST', `/v1/webhooks/${created.body.id}/secret:rotate`);
    expect(rotated.status).toBe(200);
    const fresh: string = rotated.body.secret;
    const after = await db.webhook.findUniqueOrThrow({ where: { id: created.body.id } });
    expect(after.secret).toMatch(/^enc:v1:/);
    expect(after.previousSecret).toMatch(/^enc:v1:/);
    for (const value of [after.secret, after.previousSecret!]) {
      expect(value).not.toContain(fresh.slice(6));
      expect(value).not.toContain(secret.slice(6));
    }
    expect((await stack.call('GET', `/v1/webhooks/${created.body.id}/secret`)).body).toEqual({ secret: fresh });

    const second = await stack.call('POST', '/v1/events', { tenant, type: 'CARD.UPDATED', resource: { id: 'c1' } });
    const [nid2] = second.body.notification_ids;
    const [signed] = await receiver.waitFor(1, { filter: (r) => r.headers['webhook-id'] === nid2 });
    expect(String(signed!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    for (const s of [secret, fresh]) {
      expect(() => new StandardWebhook(s).verify(signed!.body, signed!.headers as Record<string, string>)).not.toThrow();
    }

    // ping signs with the decrypted secret too
    const before = receiver.requests.length;
    const ping = await stack.call('POST', `/v1/webhooks/${created.body.id}:ping`);
    expect(ping.body.success).toBe(true);
    const pinged = receiver.requests[before]!;
    expect(() => new StandardWebhook(fresh).verify(pinged.body, pinged.headers as Record<string, string>)).not.toThrow();
  });

  test('secrets stored before encryption was enabled stay usable', async () => {
    const tenant = uniqueTenant();
    const created = await stack.call('POST', '/v1/webhooks', { tenant, url: receiver.url, enabled_events: ['CARD.*'], is_enabled: true });
    const legacy = 'whsec_' + Buffer.from('legacy-plain-secret-0123456789ab').toString('base64');
    await db.webhook.update({ where: { id: created.body.id }, data: { secret: legacy } });
    expect((await stack.call('GET', `/v1/webhooks/${created.body.id}/secret`)).body).toEqual({ secret: legacy });
    const published = await stack.call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: { id: 'c9' } });
    const [request] = await receiver.waitFor(1, { filter: (r) => r.headers['webhook-id'] === published.body.notification_ids[0] });
    expect(() => new StandardWebhook(legacy).verify(request!.body, request!.headers as Record<string, string>)).not.toThrow();
  });

  test('API keys: the database holds only their hash', async () => {
    const tenant = uniqueTenant();
    const created = await stack.call('POST', '/v1/api-keys', { tenant, name: 'ci' });
    expect(created.status).toBe(201);
    const key: string = created.body.key;
    const row = await db.apiKey.findUniqueOrThrow({ where: { id: created.body.id } });
    expect(row.keyHash).toBe(hashApiKey(key));
    expect(row.keyHash).not.toBe(key);
    expect(JSON.stringify(row)).not.toContain(key);
    const raw = await db.$queryRaw<{ row: string }[]>`SELECT row_to_json(k)::text AS row FROM api_keys k WHERE id = ${created.body.id}::uuid`;
    expect(raw[0]!.row).not.toContain(key);
    // and the key works
    expect((await stack.call('GET', '/v1/webhooks', undefined, key)).status).toBe(200);
  });
});
