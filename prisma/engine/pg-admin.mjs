// Plain-pg helpers of the schema-engine stand-in: database names in
// connection strings, CREATE/DROP DATABASE through a maintenance database,
// and wiping a configured shadow database.
import pg from 'pg';

export function databaseName(url) {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || 'postgres';
}

export function withDatabase(url, database) {
  const u = new URL(url);
  u.pathname = '/' + encodeURIComponent(database);
  return u.toString();
}

export const quoteIdent = (name) => '"' + name.replace(/"/g, '""') + '"';

// Runs fn(client) against the server's maintenance database, as the native
// engine does for CREATE/DROP DATABASE (you cannot drop the database you are
// connected to, and the target may not exist yet).
export async function withMaintenanceClient(url, fn) {
  let lastError;
  for (const db of ['postgres', 'template1']) {
    const client = new pg.Client({ connectionString: withDatabase(url, db) });
    try {
      await client.connect();
    } catch (e) {
      lastError = e;
      await client.end().catch(() => {});
      if (e.code === '3D000') continue; // maintenance db missing: try the next one
      throw e;
    }
    try {
      return await fn(client);
    } finally {
      await client.end().catch(() => {});
    }
  }
  throw lastError;
}

export async function createDatabase(url) {
  const name = databaseName(url);
  await withMaintenanceClient(url, (c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`));
  return name;
}

// Empties a configured shadow database (all non-system schemas), since the
// engine expects a blank one.
export async function wipeDatabase(url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT nspname FROM pg_namespace
       WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'`,
    );
    for (const { nspname } of rows) await client.query(`DROP SCHEMA ${quoteIdent(nspname)} CASCADE`);
    await client.query('CREATE SCHEMA IF NOT EXISTS public');
  } finally {
    await client.end().catch(() => {});
  }
}
