/**
 * The CLI's management commands against a real API and worker (in this
 * process) and a real receiver: API keys, webhooks, secrets, ping and event
 * types. Publishing, notifications and tail: notifications.test.ts.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { uniqueTenant } from '../support/env.js';
import { expectExit, parseJson } from './cli-process.js';
import { useCliStack } from './cli-stack.js';

const setup = useCliStack();
const { cli, cliJson } = setup;

test('the admin creates a tenant key; the key works for its tenant; once revoked it is refused (exit 1)', async () => {
  const tenant = uniqueTenant();
  const created = await cliJson(['api-keys', 'create', '--tenant', tenant, '--name', 'cli']);
  expect(created).toMatchObject({ id: expect.any(String), tenant, name: 'cli', key: expect.any(String) });

  const asTenant = { env: { HOOKRELAY_API_KEY: created.key } };
  const webhook = await cliJson(['webhooks', 'create', '--url', setup.receiver.url, '-e', 'CARD.*'], asTenant);
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
  const cards = await cliJson([
    ...t,
    'webhooks',
    'create',
    '-u',
    setup.receiver.url,
    '-e',
    'CARD.*,TRANSACTION.CREATED',
    '-d',
    'cards',
    '--metadata',
    '{"team":"cards"}',
    '--rate-limit',
    '5',
  ]);
  expect(cards).toMatchObject({
    tenant,
    url: setup.receiver.url,
    enabled_events: ['CARD.*', 'TRANSACTION.CREATED'],
    is_enabled: true,
    description: 'cards',
    metadata: { team: 'cards' },
    rate_limit: 5,
  });
  expect(cards.secret).toMatch(/^whsec_/);
  writeFileSync(path.join(setup.dir, 'meta.json'), '{"team":"all"}');
  const all = await cliJson([...t, 'webhooks', 'create', '-u', setup.receiver.url, '-e', '*', '--metadata', `@${path.join(setup.dir, 'meta.json')}`]);
  expect(all.metadata).toEqual({ team: 'all' });
  const off = await cliJson([...t, 'webhooks', 'create', '-u', setup.receiver.url, '-e', 'TRANSACTION.*', '--disabled']);
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
  expect(everything).toEqual({
    webhooks: [expect.objectContaining({ id: cards.id }), expect.objectContaining({ id: all.id }), expect.objectContaining({ id: off.id })],
    next_page_token: null,
  });

  const ids = async (...args: string[]) => (await cliJson([...t, 'webhooks', 'list', '--all', ...args])).webhooks.map((w: { id: string }) => w.id);
  expect(await ids('--enabled')).toEqual([cards.id, all.id]);
  expect(await ids('--disabled')).toEqual([off.id]);
  expect(await ids('--event-type', 'CARD.IMAGE.CREATED')).toEqual([cards.id, all.id]);

  // the table form
  const table = await cli([...t, 'webhooks', 'list', '--limit', '2']);
  expect(table.code).toBe(0);
  const lines = table.stdout.trim().split('\n');
  expect(lines[0]).toMatch(/^ID +ENABLED +EVENTS +URL +DESCRIPTION$/);
  expect(lines[1]).toMatch(new RegExp(`^${cards.id} +yes +CARD\\.\\*,TRANSACTION\\.CREATED +${setup.receiver.url} +cards$`));
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

test("the API's validation errors are printed with their fields: exit 1", async () => {
  const result = await cli(['--tenant', uniqueTenant(), 'webhooks', 'create', '-u', 'ftp://example.com/hooks', '-e', 'NOPE.*']);
  expect(result.code).toBe(1);
  const [first, ...fields] = result.stderr.trim().split('\n');
  expect(first).toMatch(/^error: Bad Request: /);
  expect(fields).toEqual(expect.arrayContaining([expect.stringMatching(/^  - url: /)]));
});

test('secret shows the current secret; rotate-secret replaces it', async () => {
  const tenant = uniqueTenant();
  const webhook = await cliJson(['--tenant', tenant, 'webhooks', 'create', '-u', setup.receiver.url, '-e', '*']);
  const shown = await cli(['--tenant', tenant, 'webhooks', 'secret', webhook.id]);
  expect(shown).toMatchObject({ code: 0, stdout: `${webhook.secret}\n` });
  const rotated = await cliJson(['--tenant', tenant, 'webhooks', 'rotate-secret', webhook.id]);
  expect(rotated.secret).toMatch(/^whsec_/);
  expect(rotated.secret).not.toBe(webhook.secret);
  expect((await cliJson(['--tenant', tenant, 'webhooks', 'secret', webhook.id])).secret).toBe(rotated.secret);
});

test('ping: exit 0 when the endpoint answers 2xx, exit 1 when it does not', async () => {
  const tenant = uniqueTenant();
  const webhook = await cliJson(['--tenant', tenant, 'webhooks', 'create', '-u', setup.receiver.url, '-e', '*']);
  const ok = await cli(['--tenant', tenant, 'webhooks', 'ping', webhook.id]);
  expect(ok.code).toBe(0);
  expect(ok.stdout).toMatch(/^ping ok: 200 in \d+ ms\n$/);

  setup.receiver.respondWith({ status: 500 });
  const failed = await cli(['--tenant', tenant, 'webhooks', 'ping', webhook.id, '--json']);
  expect(failed.code).toBe(1);
  expect(parseJson(failed)).toMatchObject({ success: false, status_code: 500 });
  expect(failed.stderr).toMatch(/^error: ping failed: 500/);
});

test("event-types: a tenant's own type is listed and can be published", async () => {
  const tenant = uniqueTenant();
  const created = await cliJson(['--tenant', tenant, 'event-types', 'create', 'INVOICE.PAID', '-d', 'an invoice was paid']);
  expect(created).toMatchObject({ name: 'INVOICE.PAID', tenant, builtin: false });
  const listed = await cliJson(['--tenant', tenant, 'event-types', 'list']);
  expect(listed.event_types).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ name: 'CARD.CREATED', builtin: true }),
      expect.objectContaining({ name: 'INVOICE.PAID', builtin: false }),
    ]),
  );
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
