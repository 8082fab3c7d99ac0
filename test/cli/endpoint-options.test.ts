/**
 * `hookrelay webhooks create/update` with --header and the --auth-* options,
 * as an operator runs it (the built CLI as a child process) against a real
 * API, worker and receiver: the header and the credentials arrive, `get`
 * shows them masked, --no-headers and --no-auth remove them.
 */
import { uniqueTenant } from '../support/env.js';
import { useCliStack } from './cli-stack.js';

const setup = useCliStack();
const { cli, cliJson } = setup;

test('create with --header and --auth-basic, update with --auth-bearer, then --no-headers --no-auth', async () => {
  const t = ['--tenant', uniqueTenant()];
  const created = await cliJson([
    ...t,
    'webhooks',
    'create',
    '-u',
    setup.receiver.url,
    '-e',
    '*',
    '--header',
    'X-Api-Key=k=v1',
    '--header',
    'X-Team=cards',
    '--auth-basic',
    'hook:pa:ss',
  ]);
  expect(created.headers).toEqual({ 'X-Api-Key': '********', 'X-Team': '********' });
  expect(created.auth).toEqual({ type: 'basic', username: 'hook' });

  expect((await cli([...t, 'webhooks', 'ping', created.id])).code).toBe(0);
  let last = setup.receiver.requests[setup.receiver.requests.length - 1]!;
  expect(last.headers['x-api-key']).toBe('k=v1');
  expect(last.headers['x-team']).toBe('cards');
  expect(last.headers.authorization).toBe(`Basic ${Buffer.from('hook:pa:ss').toString('base64')}`);

  const text = await cli([...t, 'webhooks', 'get', created.id]);
  expect(text.stdout).toMatch(/^headers: +X-Api-Key: \*{8}, X-Team: \*{8}$/m);
  expect(text.stdout).toMatch(/^auth: +basic username=hook$/m);
  expect(text.stdout).not.toContain('pa:ss');

  const bearer = await cliJson([...t, 'webhooks', 'update', created.id, '--auth-bearer', 'tok-123']);
  expect(bearer.auth).toEqual({ type: 'bearer' });
  expect(bearer.headers).toEqual({ 'X-Api-Key': '********', 'X-Team': '********' });
  await cli([...t, 'webhooks', 'ping', created.id]);
  expect(setup.receiver.requests[setup.receiver.requests.length - 1]!.headers.authorization).toBe('Bearer tok-123');

  const cleared = await cliJson([...t, 'webhooks', 'update', created.id, '--no-headers', '--no-auth']);
  expect(cleared.headers).toEqual({});
  expect(cleared.auth).toBeNull();
  await cli([...t, 'webhooks', 'ping', created.id]);
  last = setup.receiver.requests[setup.receiver.requests.length - 1]!;
  expect(last.headers.authorization).toBeUndefined();
  expect(last.headers['x-api-key']).toBeUndefined();
}, 60_000);

test('oauth2 options make one auth object; incomplete or conflicting options are usage errors (exit 2)', async () => {
  const t = ['--tenant', uniqueTenant()];
  const created = await cliJson([
    ...t,
    'webhooks',
    'create',
    '-u',
    setup.receiver.url,
    '-e',
    '*',
    '--auth-oauth2-token-url',
    'https://auth.example.com/token',
    '--auth-oauth2-client-id',
    'cid',
    '--auth-oauth2-client-secret',
    'cs',
    '--auth-oauth2-scope',
    'a b',
    '--auth-oauth2-audience',
    'aud',
  ]);
  expect(created.auth).toEqual({
    type: 'oauth2_client_credentials',
    token_url: 'https://auth.example.com/token',
    client_id: 'cid',
    scope: 'a b',
    audience: 'aud',
  });

  const missing = await cli([...t, 'webhooks', 'update', created.id, '--auth-oauth2-client-id', 'x']);
  expect(missing.code).toBe(2);
  expect(missing.stderr).toMatch(/--auth-oauth2-token-url, --auth-oauth2-client-secret/);
  const both = await cli([...t, 'webhooks', 'update', created.id, '--auth-bearer', 'x', '--no-auth']);
  expect(both.code).toBe(2);
  const badHeader = await cli([...t, 'webhooks', 'update', created.id, '--header', 'no-equals-sign']);
  expect(badHeader.code).toBe(2);
  // refused by the API: a 400 naming the reserved header (exit 1)
  const reserved = await cli([...t, 'webhooks', 'update', created.id, '--header', 'Content-Type=x']);
  expect(reserved.code).toBe(1);
  expect(reserved.stderr).toContain('Content-Type');
}, 60_000);
