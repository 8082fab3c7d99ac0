/**
 * The CLI without a deployment: help, usage errors (exit 2) and an API or
 * Redis that cannot be reached (exit 3).
 */
import { runCli } from './cli-process.js';

const COMMANDS = ['api-keys', 'webhooks', 'event-types', 'publish', 'tail', 'notifications', 'send-expired', 'migrate'];

test('--help lists every command, the environment and the exit codes', async () => {
  const result = await runCli(['--help']);
  expect(result.code).toBe(0);
  for (const command of COMMANDS) expect(result.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
  expect(result.stdout).toContain('HOOKRELAY_API_URL');
  expect(result.stdout).toContain('HOOKRELAY_API_KEY');
  expect(result.stdout).toMatch(/Exit codes:[\s\S]*2 +usage error[\s\S]*3 +cannot reach/);
});

test.each([
  [['webhooks', 'create', '--help'], /hookrelay .*webhooks create --url/],
  [['webhooks', 'list', '--help'], /--all/],
  [['api-keys', 'create', '--help'], /api-keys create --tenant acme/],
  [['publish', '--help'], /--redis-url/],
  [['tail', '--help'], /--until-settled/],
  [['send-expired', '--help'], /send-expired --webhook/],
  [['notifications', 'resend', '--help'], /notifications resend/],
  [['migrate', '--help'], /--database-url/],
])('%j shows the options and examples', async (args, pattern) => {
  const result = await runCli(args);
  expect(result.code).toBe(0);
  expect(result.stdout).toContain('Examples:');
  expect(result.stdout).toMatch(pattern);
});

test('--version prints the package version', async () => {
  const result = await runCli(['--version']);
  expect(result.code).toBe(0);
  expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
});

const withKey = { env: { HOOKRELAY_API_KEY: 'some-key', HOOKRELAY_API_URL: 'http://127.0.0.1:2' } };

test.each([
  ['no command', [], /Usage: hookrelay/],
  ['an unknown command', ['webhoks'], /unknown command 'webhoks'/],
  ['an unknown option', ['webhooks', 'list', '--colour'], /unknown option '--colour'/],
  ['a missing required option', ['webhooks', 'create', '--url', 'https://example.com/h'], /required option '-e, --event <type>' not specified/],
  ['an invalid number', ['webhooks', 'list', '--limit', '500'], /must be at most 100/],
  ['an invalid status', ['tail', '--status', 'DONE'], /Allowed choices are PENDING, SUCCEEDED, EXPIRED, CANCELLED/],
  ['an invalid duration', ['tail', '--interval', 'soon'], /expected a duration/],
  ['an invalid time', ['send-expired', '--since', 'yesterday'], /expected an RFC 3339 time/],
  ['invalid JSON', ['publish', 'CARD.CREATED', '--resource', '{"id":'], /error: --resource: the value is not valid JSON/],
  [
    'a missing JSON file',
    ['publish', 'CARD.CREATED', '--resource', '@/nonexistent/card.json'],
    /error: --resource: cannot read \/nonexistent\/card.json: ENOENT/,
  ],
  ['metadata that is not an object', ['webhooks', 'create', '-u', 'https://e.com', '-e', '*', '--metadata', '[1]'], /--metadata: expected a JSON object/],
  ['an update without changes', ['webhooks', 'update', '3f9c0000-0000-4000-8000-000000000000'], /nothing to change/],
  ['api-keys create without --tenant', ['api-keys', 'create'], /needs --tenant/],
  ['an --api-url that is not a URL', ['webhooks', 'list', '--api-url', 'not a url'], /--api-url is not a URL/],
])('%s is a usage error: exit 2', async (_name, args, message) => {
  const result = await runCli(args, withKey);
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(message);
  expect(result.stdout).toBe('');
});

test('no API key is a usage error naming both ways to give one', async () => {
  const result = await runCli(['webhooks', 'list'], { env: { HOOKRELAY_API_URL: 'http://127.0.0.1:2' } });
  expect(result.code).toBe(2);
  expect(result.stderr).toBe('error: no API key: pass --api-key <key> or set HOOKRELAY_API_KEY\n');
});

test('an API that cannot be reached: exit 3 with the reason', async () => {
  const refused = await runCli(['webhooks', 'list', '--api-url', 'http://127.0.0.1:2', '--api-key', 'k']);
  expect(refused.code).toBe(3);
  expect(refused.stderr).toMatch(/^error: cannot reach the API at http:\/\/127\.0\.0\.1:2: connect ECONNREFUSED/);

  const port1 = await runCli(['publish', 'CARD.CREATED', '-r', '{}'], { env: { HOOKRELAY_API_URL: 'http://127.0.0.1:1', HOOKRELAY_API_KEY: 'k' } });
  expect(port1.code).toBe(3);
  expect(port1.stderr).toMatch(/cannot reach the API at http:\/\/127\.0\.0\.1:1/);

  const tail = await runCli(['tail', '--api-url', 'http://127.0.0.1:2', '--api-key', 'k']);
  expect(tail.code).toBe(3);
});

test('publish --redis-url to a Redis that cannot be reached: exit 3, quickly', async () => {
  const started = Date.now();
  const result = await runCli(['publish', 'CARD.CREATED', '-r', '{"id":1}', '--redis-url', 'redis://127.0.0.1:2', '--tenant', 'acme']);
  expect(result.code).toBe(3);
  expect(result.stderr).toMatch(/^error: cannot reach Redis at 127\.0\.0\.1:2: ECONNREFUSED/);
  expect(Date.now() - started).toBeLessThan(5000);
});
