// The schema engine's one-shot commands (`cli can-connect-to-database |
// create-database | drop-database`), done with plain pg, and the Prisma
// error codes the CLI expects when they fail.
import pg from 'pg';
import { log } from './engine-log.mjs';
import { createDatabase, databaseName, quoteIdent, withMaintenanceClient } from './pg-admin.mjs';

// Maps a pg/network error to the Prisma error code the CLI understands.
export function prismaErrorCode(e, url) {
  const db = url ? databaseName(url) : '';
  switch (e.code) {
    case '3D000':
      return { error_code: 'P1003', message: `Database \`${db}\` does not exist` };
    case '28P01':
    case '28000':
      return { error_code: 'P1000', message: `Authentication failed against database server: ${e.message}` };
    case '42P04':
      return { error_code: 'P1009', message: `Database \`${db}\` already exists` };
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EHOSTUNREACH':
    case 'ETIMEDOUT':
      return { error_code: 'P1001', message: `Can't reach database server: ${e.message}` };
    default:
      return { error_code: e.code && /^[0-9A-Z]{5}$/.test(e.code) ? 'P1010' : 'P1001', message: e.message };
  }
}

export async function runCliCommand(command, url) {
  // The CLI discards the first stderr line of a one-shot command (the native
  // binary prints a banner there) and parses every following line as JSON.
  log('INFO', `Starting schema engine CLI (${command})`);
  if (!url) throw Object.assign(new Error('No --datasource url given'), { code: 'P1012' });
  switch (command) {
    case 'can-connect-to-database': {
      const client = new pg.Client({ connectionString: url });
      try {
        await client.connect();
        await client.query('SELECT 1');
      } finally {
        await client.end().catch(() => {});
      }
      return;
    }
    case 'create-database':
      await createDatabase(url);
      return;
    case 'drop-database': {
      const name = databaseName(url);
      await withMaintenanceClient(url, (c) => c.query(`DROP DATABASE ${quoteIdent(name)}`));
      return;
    }
    default:
      throw new Error(`Unknown cli command: ${command}`);
  }
}
