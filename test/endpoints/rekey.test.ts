/**
 * `pnpm secrets:rekey` (apps/worker/dist/rekey-secrets.js, run as a real
 * process) re-seals header values and auth secrets too: after a key
 * rotation and a rekey, the new key alone opens them and deliveries still
 * carry the right values.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SecretBox } from '@hookrelay/core';
import { createPrismaClient, type PrismaClient } from '@hookrelay/db';
import { startStack, type Stack } from '../support/stack.js';
import { uniqueTenant } from '../support/env.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { createIsolatedDatabase, type IsolatedDatabase } from '../support/isolated-db.js';

const OLD = 'old-endpoint-key-0123456789abcdef';
const NEW = 'new-endpoint-key-0123456789abcdef';
const REKEY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../apps/worker/dist/rekey-secrets.js');

let database: IsolatedDatabase;
let db: PrismaClient;
let receiver: Receiver;

beforeAll(async () => {
  database = await createIsolatedDatabase('endpoint_rekey');
  db = createPrismaClient({ url: database.url, poolSize: 2 });
  receiver = await startReceiver();
}, 60_000);
afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
  await receiver?.close();
});

async function withStack<T>(env: Record<string, string>, fn: (stack: Stack) => Promise<T>): Promise<T> {
  const stack = await startStack({ DATABASE_URL: database.url, ...env }, { worker: false });
  try {
    return await fn(stack);
  } finally {
    await stack.stop();
  }
}

function rekey(env: Record<string, string>) {
  const { SECRET_ENCRYPTION_KEY: _k, SECRET_ENCRYPTION_KEY_PREVIOUS: _p, ...inherited } = process.env;
  const run = spawnSync(process.execPath, [REKEY], {
    env: { ...inherited, DATABASE_URL: database.url, LOG_LEVEL: 'silent', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: run.status, report: run.stdout.trim() ? JSON.parse(run.stdout.trim()) : null, stderr: run.stderr };
}

test('header values and auth secrets are re-sealed with the new key', async () => {
  const tenant = uniqueTenant();
  const base = { tenant, url: receiver.url, enabled_events: ['*'], is_enabled: true };
  const ids = await withStack({ SECRET_ENCRYPTION_KEY: OLD }, async (s) => {
    const created = await Promise.all([
      s.call('POST', '/v1/webhooks', { ...base, headers: { 'X-Api-Key': 'header-value-1' }, auth: { type: 'basic', username: 'u', password: 'pw-1' } }),
      s.call('POST', '/v1/webhooks', { ...base, auth: { type: 'bearer', token: 'bearer-1' } }),
      s.call('POST', '/v1/webhooks', {
        ...base,
        auth: { type: 'oauth2_client_credentials', token_url: 'https://auth.example.com/t', client_id: 'c', client_secret: 'cs-1' },
      }),
    ]);
    return created.map((r) => {
      expect(r.status).toBe(201);
      return r.body.id as string;
    });
  });

  const first = rekey({ SECRET_ENCRYPTION_KEY: NEW, SECRET_ENCRYPTION_KEY_PREVIOUS: OLD });
  expect(first).toMatchObject({ code: 0, report: { webhooks: 3, resealed: 3, current: 0, unreadable: [] } });
  const box = new SecretBox(NEW);
  const rows = new Map((await db.webhook.findMany()).map((r) => [r.id, r]));
  const [basic, bearer, oauth] = ids.map((id) => rows.get(id)!);
  const headers = basic!.headers as Record<string, string>;
  expect(box.isCurrent(headers['X-Api-Key']!)).toBe(true);
  expect(box.open(headers['X-Api-Key']!)).toBe('header-value-1');
  expect(box.open((basic!.auth as Record<string, string>).password!)).toBe('pw-1');
  expect(box.open((bearer!.auth as Record<string, string>).token!)).toBe('bearer-1');
  expect(box.open((oauth!.auth as Record<string, string>).client_secret!)).toBe('cs-1');
  expect(oauth!.auth).toMatchObject({ token_url: 'https://auth.example.com/t', client_id: 'c' });

  expect(rekey({ SECRET_ENCRYPTION_KEY: NEW })).toMatchObject({ code: 0, report: { webhooks: 3, resealed: 0, current: 3 } });

  // the new key alone: the ping carries the header and the credentials
  await withStack({ SECRET_ENCRYPTION_KEY: NEW }, async (s) => {
    expect((await s.call('POST', `/v1/webhooks/${ids[0]}:ping?tenant=${tenant}`)).body.success).toBe(true);
  });
  const ping = receiver.requests[receiver.requests.length - 1]!;
  expect(ping.headers['x-api-key']).toBe('header-value-1');
  expect(ping.headers.authorization).toBe(`Basic ${Buffer.from('u:pw-1').toString('base64')}`);
}, 120_000);
