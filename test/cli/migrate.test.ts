/**
 * `hookrelay migrate` against a database of its own: created empty here,
 * migrated by the CLI, dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { testDatabaseUrl } from '../support/env.js';
import { expectExit, parseJson, runCli } from './cli-process.js';

const base = new URL(testDatabaseUrl());
const name = `${base.pathname.slice(1)}_cli_${randomBytes(3).toString('hex')}`.slice(0, 63);
const url = new URL(base.toString());
url.pathname = `/${name}`;

async function admin<T>(fn: (client: pg.Client) => Promise<T>, database = testDatabaseUrl()): Promise<T> {
  const client = new pg.Client({ connectionString: database });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

beforeAll(() => admin((c) => c.query(`CREATE DATABASE "${name}"`)));
afterAll(() => admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)));

const tables = () =>
  admin(
    async (c) =>
      (await c.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")).rows.map((r) => r.table_name),
    url.toString(),
  );

test('migrates an empty database, then finds nothing to do', async () => {
  expect(await tables()).toEqual([]);

  const first = await runCli(['migrate'], { env: { DATABASE_URL: url.toString() }, timeoutMs: 120000 });
  expectExit(first, 0);
  expect(first.stdout).toMatch(/database postgresql:\/\/\S+ is up to date\n$/);
  expect(await tables()).toEqual(expect.arrayContaining(['_prisma_migrations', 'webhooks', 'notifications']));
  const applied = await admin(
    async (c) => (await c.query('SELECT count(*)::int AS n FROM _prisma_migrations WHERE finished_at IS NOT NULL')).rows[0].n,
    url.toString(),
  );
  expect(applied).toBeGreaterThan(0);

  const again = await runCli(['migrate', '--database-url', url.toString(), '--json'], { timeoutMs: 120000 });
  expectExit(again, 0);
  expect(parseJson(again)).toMatchObject({ migrated: true, output: expect.stringMatching(/No pending migrations/) });
}, 240000);

test('a database that cannot be reached: exit 3', async () => {
  const result = await runCli(['migrate', '--database-url', 'postgresql://postgres:secret@127.0.0.1:2/hookrelay'], { timeoutMs: 60000 });
  expectExit(result, 3);
  expect(result.stderr).toMatch(
    /^error: cannot reach the database postgresql:\/\/postgres:\*\*\*@127\.0\.0\.1:2\/hookrelay: P1001: Can't reach database server/m,
  );
  expect(result.stderr).not.toContain('secret');
}, 90000);
