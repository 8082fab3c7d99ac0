/**
 * Rotating SECRET_ENCRYPTION_KEY: with the new key and the old one as
 * SECRET_ENCRYPTION_KEY_PREVIOUS everything keeps working; `pnpm
 * secrets:rekey` (apps/worker/dist/rekey-secrets.js, run here as a real
 * process) re-seals every stored secret, deleted webhooks and previous
 * secrets included, after which the new key alone opens them all. A secret
 * that no configured key opens is a server fault, said as such by the API;
 * the worker holds its deliveries back until the key is restored.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig, SecretBox, SecretDecryptionError } from '@hookrelay/core';
import { createPrismaClient, type PrismaClient } from '@hookrelay/db';
import { startStack, until, type Stack } from '../support/stack.js';
import { testQueuePrefix, uniqueTenant } from '../support/env.js';
import { startReceiver } from '../support/receiver.js';
import { createIsolatedDatabase, type IsolatedDatabase } from '../support/isolated-db.js';

const OLD = 'old-encryption-key-0123456789abcdef';
const NEW = 'new-encryption-key-0123456789abcdef';
const OTHER = 'someone-elses-key-0123456789abcdef';
const REKEY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../apps/worker/dist/rekey-secrets.js');

describe('SecretBox with a previous key', () => {
  test('opens values sealed with either key, seals with the new one, and tells which values are current', () => {
    const sealedOld = new SecretBox(OLD).seal('whsec_old');
    const box = new SecretBox(NEW, [OLD]);
    expect(box.open(sealedOld)).toBe('whsec_old');
    expect(box.isCurrent(sealedOld)).toBe(false);
    const sealedNew = box.seal('whsec_new');
    expect(box.isCurrent(sealedNew)).toBe(true);
    expect(new SecretBox(NEW).open(sealedNew)).toBe('whsec_new');
    expect(() => new SecretBox(NEW).open(sealedOld)).toThrow(SecretDecryptionError);
    expect(() => box.open(new SecretBox(OTHER).seal('x'))).toThrow(/neither|nor/);
    expect(box.isCurrent('whsec_plain')).toBe(false);
    expect(new SecretBox(undefined).isCurrent('whsec_plain')).toBe(true);
  });

  test('configuration: the previous key needs a current one and must differ from it', () => {
    expect(loadConfig({ SECRET_ENCRYPTION_KEY: NEW, SECRET_ENCRYPTION_KEY_PREVIOUS: OLD }).previousSecretEncryptionKeys).toEqual([OLD]);
    expect(loadConfig({ SECRET_ENCRYPTION_KEY: NEW }).previousSecretEncryptionKeys).toEqual([]);
    // compose passes it through empty when it is not set
    expect(loadConfig({ SECRET_ENCRYPTION_KEY: NEW, SECRET_ENCRYPTION_KEY_PREVIOUS: '' }).previousSecretEncryptionKeys).toEqual([]);
    expect(() => loadConfig({ SECRET_ENCRYPTION_KEY_PREVIOUS: OLD })).toThrow(ConfigError);
    expect(() => loadConfig({ SECRET_ENCRYPTION_KEY_PREVIOUS: OLD })).toThrow(/SECRET_ENCRYPTION_KEY_PREVIOUS/);
    expect(() => loadConfig({ SECRET_ENCRYPTION_KEY: NEW, SECRET_ENCRYPTION_KEY_PREVIOUS: NEW })).toThrow(/must differ/);
  });
});

describe('rotation end to end', () => {
  let database: IsolatedDatabase;
  let db: PrismaClient;
  beforeAll(async () => {
    database = await createIsolatedDatabase('rekey');
    db = createPrismaClient({ url: database.url, poolSize: 2 });
  }, 60_000);
  afterAll(async () => {
    await db?.$disconnect();
    await database?.drop();
  });

  const withStack = async <T>(env: Record<string, string>, fn: (stack: Stack) => Promise<T>): Promise<T> => {
    const stack = await startStack({ DATABASE_URL: database.url, ...env }, { worker: false });
    try {
      return await fn(stack);
    } finally {
      await stack.stop();
    }
  };
  const rekey = (env: Record<string, string>) => {
    const { SECRET_ENCRYPTION_KEY: _k, SECRET_ENCRYPTION_KEY_PREVIOUS: _p, ...inherited } = process.env;
    const run = spawnSync(process.execPath, [REKEY], {
      env: { ...inherited, DATABASE_URL: database.url, LOG_LEVEL: 'silent', ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { code: run.status, report: run.stdout.trim() ? JSON.parse(run.stdout.trim()) : null, stderr: run.stderr };
  };

  test('old key → new key with the old one as previous → rekey → new key alone', async () => {
    const tenant = uniqueTenant();
    const hook = { tenant, url: 'https://example.com/hook', enabled_events: ['*'], is_enabled: true };
    const secretOf = (stack: Stack, id: string) => stack.call('GET', `/v1/webhooks/${id}/secret?tenant=${tenant}`).then((r) => r.body.secret as string);

    // a webhook from before encryption (plain), one sealed with the old key and rotated (previous secret too), one deleted
    const plain = await withStack({}, (s) => s.call('POST', '/v1/webhooks', hook));
    const { sealed, rotated, deleted } = await withStack({ SECRET_ENCRYPTION_KEY: OLD }, async (s) => {
      const sealedHook = await s.call('POST', '/v1/webhooks', hook);
      const rotatedHook = await s.call('POST', `/v1/webhooks/${sealedHook.body.id}/secret:rotate?tenant=${tenant}`);
      const deletedHook = await s.call('POST', '/v1/webhooks', hook);
      await s.call('DELETE', `/v1/webhooks/${deletedHook.body.id}?tenant=${tenant}`);
      return { sealed: sealedHook.body, rotated: rotatedHook.body.secret as string, deleted: deletedHook.body };
    });
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(sealed.secret);

    // the new key alone cannot open what the old one sealed; with the old one as previous everything reads
    await withStack({ SECRET_ENCRYPTION_KEY: NEW }, async (s) => {
      const unreadable = await s.call('GET', `/v1/webhooks/${sealed.id}/secret?tenant=${tenant}`);
      expect(unreadable.status).toBe(500);
      // a server misconfiguration, named as such (no key material, no stack)
      expect(unreadable.body).toMatchObject({ status: 500, detail: expect.stringMatching(/cannot decrypt this webhook's signing secret/) });
      expect(JSON.stringify(unreadable.body)).not.toMatch(/encryption-key-0123/);
    });
    await withStack({ SECRET_ENCRYPTION_KEY: NEW, SECRET_ENCRYPTION_KEY_PREVIOUS: OLD }, async (s) => {
      expect(await secretOf(s, plain.body.id)).toBe(plain.body.secret);
      expect(await secretOf(s, sealed.id)).toBe(rotated);
    });

    const before = new Map((await db.webhook.findMany({ select: { id: true, updatedAt: true } })).map((r) => [r.id, r.updatedAt.getTime()]));
    const first = rekey({ SECRET_ENCRYPTION_KEY: NEW, SECRET_ENCRYPTION_KEY_PREVIOUS: OLD });
    expect(first).toMatchObject({ code: 0, report: { webhooks: 3, resealed: 3, current: 0, changedMeanwhile: 0, unreadable: [] } });
    const box = new SecretBox(NEW);
    const rows = await db.webhook.findMany({ select: { id: true, secret: true, previousSecret: true, updatedAt: true } });
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(box.isCurrent(row.secret)).toBe(true);
      if (row.previousSecret !== null) expect(box.isCurrent(row.previousSecret)).toBe(true);
      // re-sealing is not a change of the webhook: last_updated stays
      expect(row.updatedAt.getTime()).toBe(before.get(row.id));
    }
    expect(box.open(rows.find((r) => r.id === deleted.id)!.secret)).toBe(deleted.secret);
    expect(box.open(rows.find((r) => r.id === sealed.id)!.previousSecret)).toBe(sealed.secret);

    // nothing left to do the second time
    expect(rekey({ SECRET_ENCRYPTION_KEY: NEW })).toMatchObject({ code: 0, report: { webhooks: 3, resealed: 0, current: 3 } });
    await withStack({ SECRET_ENCRYPTION_KEY: NEW }, async (s) => {
      expect(await secretOf(s, plain.body.id)).toBe(plain.body.secret);
      expect(await secretOf(s, sealed.id)).toBe(rotated);
    });

    // a secret no configured key opens is reported and the run fails; the others are left as they are
    await db.webhook.update({ where: { id: plain.body.id }, data: { secret: new SecretBox(OTHER).seal('whsec_x') } });
    const failing = rekey({ SECRET_ENCRYPTION_KEY: NEW, SECRET_ENCRYPTION_KEY_PREVIOUS: OLD });
    expect(failing.code).toBe(1);
    expect(failing.report).toMatchObject({ webhooks: 3, resealed: 0, current: 2, unreadable: [plain.body.id] });
    expect(failing.stderr).toMatch(/neither SECRET_ENCRYPTION_KEY nor SECRET_ENCRYPTION_KEY_PREVIOUS/);
  }, 120_000);
});

describe('a secret no configured key opens', () => {
  test('the worker sends nothing and keeps the notification PENDING; it goes out once the key is back', async () => {
    const receiver = await startReceiver();
    const env = { QUEUE_PREFIX: testQueuePrefix() };
    const tenant = uniqueTenant();
    let stack = await startStack({ ...env, SECRET_ENCRYPTION_KEY: OLD });
    const hook = await stack.call('POST', '/v1/webhooks', { tenant, url: receiver.url, enabled_events: ['*'], is_enabled: true });
    expect(hook.status).toBe(201);
    await stack.stop();
    try {
      // the old key is gone from the configuration (rotation step 3 before step 2)
      stack = await startStack({ ...env, SECRET_ENCRYPTION_KEY: NEW });
      const types = await stack.call('GET', `/v1/event-types?tenant=${tenant}`);
      const type = (types.body.event_types as { name: string }[]).map((t) => t.name).find((n) => n !== 'WEBHOOK.PING')!;
      const event = await stack.call('POST', '/v1/events', { tenant, type, resource: { id: 1 } });
      expect(event.status).toBe(202);
      const [notificationId] = event.body.notification_ids as string[];
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      expect(receiver.requests).toHaveLength(0);
      const stuck = await stack.call('GET', `/v1/notifications/${notificationId}?tenant=${tenant}`);
      expect(stuck.body).toMatchObject({ status: 'PENDING', attempt_count: 0 });
      await stack.stop();

      stack = await startStack({ ...env, SECRET_ENCRYPTION_KEY: NEW, SECRET_ENCRYPTION_KEY_PREVIOUS: OLD });
      const [delivery] = await receiver.waitFor(1, { timeoutMs: 30_000 });
      expect(delivery.headers['webhook-id']).toBe(notificationId);
      // the receiver sees the request before the worker has its answer and records it
      const done = await until(async () => {
        const n = await stack.call('GET', `/v1/notifications/${notificationId}?tenant=${tenant}`);
        return n.body.status === 'PENDING' ? undefined : n.body;
      });
      expect(done).toMatchObject({ status: 'SUCCEEDED', attempt_count: 1 });
    } finally {
      await stack.stop();
      await receiver.close();
    }
  }, 60_000);
});
