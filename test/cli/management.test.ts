/**
 * The CLI against a real API and worker (in this process) and a real
 * receiver: API keys, webhooks, publishing over HTTP and into Redis, ping,
 * notifications and tail.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { ADMIN_KEY, startStack, until, type Stack } from '../support/stack.js';
import { testRedisUrl, uniqueTenant } from '../support/env.js';
import { expectExit, parseJson, runCli, startCli, type CliOptions } from './cli-process.js';

let stack: Stack;
let receiver: Receiver;
let env: Record<string, string>;
const dir = mkdtempSync(path.join(tmpdir(), 'hookrelay-cli-'));

beforeAll(async () => {
  stack = await startStack();
  receiver = await startReceiver();
  env = { HOOKRELAY_API_URL: stack.api.url, HOOKRELAY_API_KEY: ADMIN_KEY };
});
afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => receiver.respondWith({ status: 200 }));

/** Runs the CLI as the admin (unless `env` overrides), asserting nothing. */
const cli = (args: string[], options: CliOptions = {}) => runCli(args, { ...options, env: { ...env, ...options.env } });

/** Runs with --json and expects exit 0. */
async function cliJson<T = any>(args: string[], options: CliOptions = {}): Promise<T> {
  const result = await cli([...args, '--json'], options);
  if (result.code !== 0) throw new Error(`exit ${result.code}: ${result.stderr}`);
  return parseJson<T>(result);
}

const eventOf = (id: string) => (r: { body: string }) => JSON.parse(r.body).event_id === id;

test('the admin creates a tenant key; the key works for its tenant; once revoked it is refused (exit 1)', async () => {
  const tenant = uniqueTenant();
  const created = await cliJson(['api-keys', 'create', '--tenant', tenant, '--name', 'cli']);
  expect(created).toMatchObject({ id: expect.any(String), tenant, name: 'cli', key: expect.any(String) });

  const asTenant = { env: { HOOKRELAY_API_KEY: created.key } };
  const webhook = await cliJson(['webhooks', 'create', '--url', receiver.url, '-e', 'CARD.*'], asTenant);
  expect(webhook.tenant).toBe(tenant);
  const listed = await cliJson(['webhooks', 'list'], asTenant);
  expect(listed.webhooks.map((w: { id: string }) => w.id)).toEqual([webhook.id]);

  // the text form: fields, and the key with a note on stderr
  const text = await cli(['api-keys', 'create', '--tenant', tenant]);
  expect(text.code).toBe(0);
  expect(text.stdout).toMatch(new RegExp(`^tenant: +${tenant}$`, 'm'));
  expect(text.stdout).toMatch(/^key: +\S{16,}$/m);
  expect(text.stderr).toMatch(/shown only this once/);

  const keys = await cliJson(['--tenant', tenant, 'api-keys', 'list']);
  expect(keys.api_keys.map((k: { name: string | null }) => k.name)).toEqual(['cli', null]);
  expect(JSON.stringify(keys)).not.toContain(created.key);
  const table = await cli(['--tenant', tenant, 'api-keys', 'list']);
  expect(table.stdout).toMatch(/^ID +NAME +CREATED +REVOKED$/m);
  expect(table.stdout).toContain(created.id);

  const revoked = await cli(['api-keys', 'revoke', created.id]);
  expect(revoked).toMatchObject({ code: 0, stdout: `revoked API key ${created.id}\n` });
  expect((await cliJson(['--tenant', tenant, 'api-keys', 'list'])).api_keys).toHaveLength(1);
  const withRevoked = await cliJson(['--tenant', tenant, 'api-keys', 'list', '--revoked']);
  expect(withRevoked.api_keys.find((k: { id: string }) => k.id === created.id).revoked_at).toEqual(expect.any(String));
  const refused = await cli(['webhooks', 'list'], asTenant);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/^error: Unauthorized: /);
  expect(refused.stdout).toBe('');

  const again = await cli(['api-keys', 'revoke', created.id]);
  expect(again.code).toBe(1);
  expect(again.stderr).toMatch(/^error: Not Found: API key .* not found/);
});

test('a tenant key cannot create keys: the API answers 403 and the CLI exits 1', async () => {
  const tenant = uniqueTenant();
  const { key } = await cliJson(['api-keys', 'create', '--tenant', tenant]);
  const result = await cli(['api-keys', 'create', '--tenant', tenant], { env: { HOOKRELAY_API_KEY: key } });
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/^error: Forbidden/);
});

test('webhooks: create, get, list with filters and pages, update, delete', async () => {
  const tenant = uniqueTenant();
  const t = ['--tenant', tenant];
  const cards = await cliJson([...t, 'webhooks', 'create', '-u', receiver.url, '-e', 'CARD.*,TRANSACTION.CREATED', '-d', 'cards', '--metadata', '{"team":"cards"}', '--rate-limit', '5']);
  expect(cards).toMatchObject({ tenant, url: receiver.url, enabled_events: ['CARD.*', 'TRANSACTION.CREATED'], is_enabled: true, description: 'cards', metadata: { team: 'cards' }, rate_limit: 5 });
  expect(cards.secret).toMatch(/^whsec_/);
  writeFileSync(path.join(dir, 'meta.json'), '{"team":"all"}');
  const all = await cliJson([...t, 'webhooks', 'create', '-u', receiver.url, '-e', '*', '--metadata', `@${path.join(dir, 'meta.json')}`]);
  expect(all.metadata).toEqual({ team: 'all' });
  const off = await cliJson([...t, 'webhooks', 'create', '-u', receiver.url, '-e', 'TRANSACTION.*', '--disabled']);
  expect(off.is_enabled).toBe(false);

  expect(await cliJson([...t, 'webhooks', 'get', cards.id])).toEqual(expect.objectContaining({ id: cards.id, description: 'cards' }));
  expect((await cliJson([...t, 'webhooks', 'get', cards.id])).secret).toBeUndefined();

  // one page of two, then every page with --all
  const page = await cliJson([...t, 'webhooks', 'list', '--limit', '2']);
  expect(page.webhooks.map((w: { id: string }) => w.id)).toEqual([cards.id, all.id]);
  expect(page.next_page_token).toEqual(expect.any(String));
  const rest = await cliJson([...t, 'webhooks', 'list', '--limit', '2', '--page-token', page.next_page_token]);
  expect(rest.webhooks.map((w: { id: string }) => w.id)).toEqual([off.id]);
  const everything = await cliJson([...t, 'webhooks', 'list', '--limit', '1', '--all']);
  expect(everything).toEqual({ webhooks: [expect.objectContaining({ id: cards.id }), expect.objectContaining({ id: all.id }), expect.objectContaining({ id: off.id })], next_page_token: null });

  const ids = async (...args: string[]) => (await cliJson([...t, 'webhooks', 'list', '--all', ...args])).webhooks.map((w: { id: string }) => w.id);
  expect(await ids('--enabled')).toEqual([cards.id, all.id]);
  expect(await ids('--disabled')).toEqual([off.id]);
  expect(await ids('--event-type', 'CARD.IMAGE.CREATED')).toEqual([cards.id, all.id]);

  // the table form
  const table = await cli([...t, 'webhooks', 'list', '--limit', '2']);
  expect(table.code).toBe(0);
  const lines = table.stdout.trim().split('\n');
  expect(lines[0]).toMatch(/^ID +ENABLED +EVENTS +URL +DESCRIPTION$/);
  expect(lines[1]).toMatch(new RegExp(`^${cards.id} +yes +CARD\\.\\*,TRANSACTION\\.CREATED +${receiver.url} +cards$`));
  expect(lines).toHaveLength(3);
  expect(table.stderr).toMatch(/more: --page-token \S+ \(or --all\)/);

  const updated = await cliJson([...t, 'webhooks', 'update', off.id, '--enable', '-e', 'CARD_STATUS_CHANGE', '--rate-limit', 'none', '-d', 'status']);
  expect(updated).toMatchObject({ id: off.id, is_enabled: true, enabled_events: ['CARD_STATUS_CHANGE'], rate_limit: null, description: 'status' });
  const disabled = await cliJson([...t, 'webhooks', 'update', cards.id, '--disable']);
  expect(disabled).toMatchObject({ is_enabled: false, enabled_events: ['CARD.*', 'TRANSACTION.CREATED'], rate_limit: 5 });

  const deleted = await cli([...t, 'webhooks', 'delete', all.id]);
  expect(deleted).toMatchObject({ code: 0, stdout: `deleted webhook ${all.id}\n` });
  const gone = await cli([...t, 'webhooks', 'get', all.id]);
  expect(gone.code).toBe(1);
  expect(gone.stderr).toMatch(/^error: Not Found/);
});

test('the API\'s validation errors are printed with their fields: exit 1', async () => {
  const result = await cli(['--tenant', uniqueTenant(), 'webhooks', 'create', '-u', 'ftp://example.com/hooks', '-e', 'NOPE.*']);
  expect(result.code).toBe(1);
  const [first, ...fields] = result.stderr.trim().split('\n');
  expect(first).toMatch(/^error: Bad Request: /);
  expect(fields).toEqual(expect.arrayContaining([expect.stringMatching(/^  - url: /)]));
});

test('secret shows the current secret; rotate-secret replaces it', async () => {
  const tenant = uniqueTenant();
  const webhook = await cliJson(['--tenant', tenant, 'webhooks', 'create', '-u', receiver.url, '-e', '*']);
  const shown = await cli(['--tenant', tenant, 'webhooks', 'secret', webhook.id]);
  expect(shown).toMatchObject({ code: 0, stdout: `${webhook.secret}\n` });
  const rotated = await cliJson(['--tenant', tenant, 'webhooks', 'rotate-secret', webhook.id]);
  expect(rotated.secret).toMatch(/^whsec_/);
  expect(rotated.secret).not.toBe(webhook.secret);
  expect((await cliJson(['--tenant', tenant, 'webhooks', 'secret', webhook.id])).secret).toBe(rotated.secret);
});

test('publish over the API: resource inline, from a file or stdin; an idempotency key publishes once', async () => {
  const tenant = uniqueTenant();
  const webhook = await cliJson(['--tenant', tenant, 'webhooks', 'create', '-u', receiver.url, '-e', 'CARD.*']);

  const published = await cliJson(['--tenant', tenant, 'publish', 'CARD.UPDATED', '-r', '-', '-c', '{"status":"PENDING"}', '--event-time', '2026-01-02T03:04:05Z', '-k', 'card_1-v7'], {
    input: '{"id":"card_1","status":"ACTIVE"}',
  });
  expect(published).toMatchObject({ tenant, type: 'CARD.UPDATED', duplicate: false, notification_ids: [expect.any(String)] });
  const [request] = await receiver.waitFor(1, { filter: eventOf(published.id) });
  expect(JSON.parse(request.body)).toMatchObject({
    webhook_id: webhook.id,
    type: 'CARD.UPDATED',
    event_time: '2026-01-02T03:04:05.000Z',
    resource: '{"id":"card_1","status":"ACTIVE"}',
    changed_fields: '{"status":"PENDING"}',
    notification_id: published.notification_ids[0],
  });

  const repeat = await cli(['--tenant', tenant, 'publish', 'CARD.UPDATED', '-r', '{"id":"card_1"}', '-k', 'card_1-v7']);
  expect(repeat.code).toBe(0);
  expect(repeat.stdout).toContain(`already published with this idempotency key: event ${published.id}`);

  writeFileSync(path.join(dir, 'card.json'), '{"id":"card_2"}');
  const fromFile = await cli(['--tenant', tenant, 'publish', 'CARD.CREATED', '-r', `@${path.join(dir, 'card.json')}`]);
  expect(fromFile.code).toBe(0);
  const eventId = /published event (\S+) \(CARD\.CREATED, tenant /.exec(fromFile.stdout)?.[1];
  expect(fromFile.stdout).toMatch(/1 notification\(s\)\n  notification \S+\n$/);
  const [second] = await receiver.waitFor(1, { filter: eventOf(eventId!) });
  expect(JSON.parse(second.body).resource).toBe('{"id":"card_2"}');

  const unknown = await cli(['--tenant', tenant, 'publish', 'NOPE.CREATED', '-r', '{}']);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toMatch(/^error: Bad Request: .*\n  - type: /);
});

test('publish --redis-url goes straight into Redis with the producer SDK, no API key needed', async () => {
  const tenant = uniqueTenant();
  const webhook = await cliJson(['--tenant', tenant, 'webhooks', 'create', '-u', receiver.url, '-e', 'CARD.CREATED']);
  const result = await runCli(
    ['--tenant', tenant, 'publish', 'CARD.CREATED', '-r', '{"id":"card_9"}', '--redis-url', testRedisUrl(), '--json'],
    { env: { QUEUE_PREFIX: stack.config.queuePrefix } },
  );
  expect(result.code).toBe(0);
  const queued = parseJson(result);
  expect(queued).toEqual({ id: expect.any(String), tenant, type: 'CARD.CREATED', queue_prefix: stack.config.queuePrefix });
  const [request] = await receiver.waitFor(1, { filter: eventOf(queued.id) });
  expect(JSON.parse(request.body)).toMatchObject({ webhook_id: webhook.id, resource: '{"id":"card_9"}' });

  // the same check as the API's, before anything reaches Redis
  const invalid = await runCli(['--tenant', tenant, 'publish', 'not a type', '-r', '{}', '--redis-url', testRedisUrl(), '--queue-prefix', stack.config.queuePrefix]);
  expect(invalid.code).toBe(1);
  expect(invalid.stderr).toMatch(/^error: Bad Request: .*\n  - type: /);
});

test('ping: exit 0 when the endpoint answers 2xx, exit 1 when it does not', async () => {
  const tenant = uniqueTenant();
  const webhook = await cliJson(['--tenant', tenant, 'webhooks', 'create', '-u', receiver.url, '-e', '*']);
  const ok = await cli(['--tenant', tenant, 'webhooks', 'ping', webhook.id]);
  expect(ok.code).toBe(0);
  expect(ok.stdout).toMatch(/^ping ok: 200 in \d+ ms\n$/);

  receiver.respondWith({ status: 500 });
  const failed = await cli(['--tenant', tenant, 'webhooks', 'ping', webhook.id, '--json']);
  expect(failed.code).toBe(1);
  expect(parseJson(failed)).toMatchObject({ success: false, status_code: 500 });
  expect(failed.stderr).toMatch(/^error: ping failed: 500/);
});

test('notifications search, get and resend', async () => {
  const tenant = uniqueTenant();
  const webhook = await cliJson(['--tenant', tenant, 'webhooks', 'create', '-u', receiver.url, '-e', 'CARD.*']);
  const published = await cliJson(['--tenant', tenant, 'publish', 'CARD.CREATED', '-r', '{}']);
  const [notificationId] = published.notification_ids;
  await until(async () => (await cliJson(['--tenant', tenant, 'notifications', 'get', notificationId])).status === 'SUCCEEDED');

  const found = await cliJson(['--tenant', tenant, 'notifications', 'search', '--webhook', webhook.id, '--status', 'SUCCEEDED', '--all']);
  expect(found.notifications).toEqual([expect.objectContaining({ id: notificationId, attempt_count: 1, last_status_code: 200 })]);
  const table = await cli(['--tenant', tenant, 'notifications', 'search', '--event', published.id]);
  expect(table.stdout).toMatch(new RegExp(`${notificationId} +${webhook.id} +CARD\\.CREATED +SUCCEEDED +1 +200 +-\\n$`));

  const resent = await cliJson(['--tenant', tenant, 'notifications', 'resend', notificationId]);
  expect(resent.attempts.map((a: { trigger: string }) => a.trigger)).toEqual(['schedule', 'resend']);
  const shown = await cli(['--tenant', tenant, 'notifications', 'get', notificationId]);
  expect(shown.stdout).toMatch(/^status: +SUCCEEDED$/m);
  expect(shown.stdout).toMatch(/^2 +\S+ +resend +200 +\d+ +-$/m);

  receiver.respondWith({ status: 502 });
  const failed = await cli(['--tenant', tenant, 'notifications', 'resend', notificationId]);
  expect(failed.code).toBe(1);
  expect(failed.stderr).toMatch(/^error: the attempt failed: 502/);
});

test('tail --json follows a notification from its first failed attempt to SUCCEEDED, each state once', async () => {
  const tenant = uniqueTenant();
  const webhook = await cliJson(['--tenant', tenant, 'webhooks', 'create', '-u', receiver.url, '-e', 'CARD.*']);
  // the first two attempts fail (500), the second retry succeeds
  receiver.respondWith((req) => ({ status: receiver.requests.filter((r) => r.headers['webhook-id'] === req.headers['webhook-id']).length < 2 ? 500 : 200 }));
  const tail = startCli(['--tenant', tenant, 'tail', '--webhook', webhook.id, '--interval', '100ms', '--until-settled', '--timeout', '20s', '--json'], { env });
  await tail.waitFor(/following notifications of tenant \S+ changed since/);
  const published = await cliJson(['--tenant', tenant, 'publish', 'CARD.CREATED', '-r', '{"id":1}']);

  const result = await tail.exited;
  expectExit(result, 0);
  const lines = result.stdout.trim().split('\n').map((l) => JSON.parse(l));
  expect(lines.every((n) => n.id === published.notification_ids[0] && n.webhook_id === webhook.id && n.type === 'CARD.CREATED')).toBe(true);
  const states = lines.map((n) => `${n.status}/${n.attempt_count}/${n.last_status_code}`);
  expect(states.at(-1)).toBe('SUCCEEDED/3/200');
  expect(states).toEqual(expect.arrayContaining(['PENDING/1/500', 'PENDING/2/500']));
  expect(new Set(states).size).toBe(states.length);
});

test('tail prints one line per change for new notifications, and stops after --count', async () => {
  const tenant = uniqueTenant();
  const webhook = await cliJson(['--tenant', tenant, 'webhooks', 'create', '-u', receiver.url, '-e', '*']);
  const old = await cliJson(['--tenant', tenant, 'publish', 'CARD.CREATED', '-r', '{}']);
  await receiver.waitFor(1, { filter: eventOf(old.id) });
  await new Promise((r) => setTimeout(r, 1100)); // the default --since is the API's clock, to the second

  receiver.respondWith({ status: 200, delayMs: 800 }); // long enough for a poll to see it PENDING first
  const tail = startCli(['--tenant', tenant, 'tail', '--type', 'CARD.*', '--interval', '100ms', '--count', '2', '--timeout', '20s'], { env });
  await tail.waitFor(/following notifications/);
  const transaction = await cliJson(['--tenant', tenant, 'publish', 'TRANSACTION.CREATED', '-r', '{}']);
  const published = await cliJson(['--tenant', tenant, 'publish', 'CARD.IMAGE.CREATED', '-r', '{}']);
  const result = await tail.exited;
  expectExit(result, 0);
  const lines = result.stdout.trim().split('\n');
  expect(lines).toHaveLength(2);
  const [notificationId] = published.notification_ids;
  expect(lines[0]).toMatch(new RegExp(`^\\S+Z  ${notificationId}  webhook=${webhook.id}  CARD\\.IMAGE\\.CREATED  PENDING +attempts=0  last=-`));
  expect(lines[1]).toMatch(new RegExp(`^\\S+Z  ${notificationId}  webhook=${webhook.id}  CARD\\.IMAGE\\.CREATED  SUCCEEDED  attempts=1  last=200$`));
  expect(result.stdout).not.toContain(old.notification_ids[0]);
  expect(result.stdout).not.toContain(transaction.notification_ids[0]);
});

test('event-types: a tenant\'s own type is listed and can be published', async () => {
  const tenant = uniqueTenant();
  const created = await cliJson(['--tenant', tenant, 'event-types', 'create', 'INVOICE.PAID', '-d', 'an invoice was paid']);
  expect(created).toMatchObject({ name: 'INVOICE.PAID', tenant, builtin: false });
  const listed = await cliJson(['--tenant', tenant, 'event-types', 'list']);
  expect(listed.event_types).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'CARD.CREATED', builtin: true }), expect.objectContaining({ name: 'INVOICE.PAID', builtin: false })]));
  const table = await cli(['--tenant', tenant, 'event-types', 'list']);
  expect(table.stdout).toMatch(/^INVOICE\.PAID +tenant +- +an invoice was paid$/m);
  const elsewhere = await cliJson(['--tenant', uniqueTenant(), 'event-types', 'list']);
  expect(elsewhere.event_types.map((e: { name: string }) => e.name)).not.toContain('INVOICE.PAID');

  const published = await cli(['--tenant', tenant, 'publish', 'INVOICE.PAID', '-r', '{"amount":5}']);
  expectExit(published, 0);
  expect(published.stdout).toMatch(/^published event \S+ \(INVOICE\.PAID, tenant \S+\): 0 notification\(s\)$/m);

  const duplicate = await cli(['--tenant', tenant, 'event-types', 'create', 'INVOICE.PAID']);
  expect(duplicate.code).toBe(1);
  expect(duplicate.stderr).toMatch(/^error: Conflict/);
});

test('tail ends with exit 0 on SIGTERM, and exit 1 when --timeout passes before its goal', async () => {
  const tenant = uniqueTenant();
  const tail = startCli(['--tenant', tenant, 'tail', '--interval', '200ms'], { env });
  await tail.waitFor(/following notifications/);
  tail.child.kill('SIGTERM');
  expect((await tail.exited).code).toBe(0);

  const timedOut = await cli(['--tenant', tenant, 'tail', '--count', '1', '--timeout', '600ms', '--interval', '100ms']);
  expect(timedOut.code).toBe(1);
  expect(timedOut.stderr).toMatch(/error: tail timed out after 600 ms waiting for 1 change\(s\) \(saw 0\)/);

  const revokedKey = await cli(['--tenant', tenant, 'tail', '--count', '1'], { env: { HOOKRELAY_API_KEY: 'not-a-key-at-all' } });
  expect(revokedKey.code).toBe(1);
  expect(revokedKey.stderr).toMatch(/error: Unauthorized/);
});
