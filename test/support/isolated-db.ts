/**
 * A database of its own (created and migrated from this run's, dropped by
 * `drop()`), for tests that run a reconciler: the reconciler re-enqueues every
 * PENDING notification of its database into its own queue prefix, so in the
 * run's shared database it would also pick up (and deliver) other test
 * files' notifications, and theirs would pick up ours. One database per
 * QUEUE_PREFIX is also how Hookrelay is deployed.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
// @ts-expect-error: plain ESM helper without type declarations
import { migrateDatabase } from '../../prisma/migrate.mjs';
import { testDatabaseUrl } from './env.js';
import { until } from './until.js';

export interface IsolatedDatabase {
  url: string;
  drop(): Promise<void>;
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testDatabaseUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Drops the database once the connections a test has just closed are gone.
 * `pg.Pool.end()` resolves before its sockets close: terminated by the
 * FORCE in the meantime, such a connection answers with an error that no
 * listener takes any more, and the whole test file fails. Connections
 * still open after 2 s are terminated.
 */
async function dropWhenClosed(c: pg.Client, name: string): Promise<void> {
  const closed = async () => (await c.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name])).rows[0]!.n === 0;
  await until(closed, { timeoutMs: 2000, intervalMs: 50 }).catch(() => undefined);
  await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}

export async function createIsolatedDatabase(label = 'faults'): Promise<IsolatedDatabase> {
  const base = new URL(testDatabaseUrl());
  const name = `${base.pathname.slice(1)}_${label}_${randomBytes(3).toString('hex')}`.slice(0, 63);
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(base.toString());
  url.pathname = `/${name}`;
  await (migrateDatabase as (url: string) => Promise<string>)(url.toString());
  return {
    url: url.toString(),
    drop: () => admin((c) => dropWhenClosed(c, name)),
  };
}
