// Table and index sizes of the history tables, and how much of them is
// free space Postgres will reuse (pg_freespacemap, when the extension can
// be created; the free space map is filled in by VACUUM).
import { log } from './options.mjs';

export const HISTORY_TABLES = ['events', 'notifications', 'attempts'];

const mib = (b) => (b === null ? null : Math.round((b / 2 ** 20) * 10) / 10);

/** Whether pg_freespacemap is usable in this database (created here when it is not yet). */
export async function freeSpaceMapAvailable(db) {
  try {
    await db.query('CREATE EXTENSION IF NOT EXISTS pg_freespacemap');
    return true;
  } catch (e) {
    log(`pg_freespacemap unavailable (${e.message}); free space is not shown`);
    return false;
  }
}

/**
 * Per table: rows (estimate), table and index bytes (MiB), and with
 * `withFree` the bytes the free space map offers for reuse in the table and
 * in its indexes.
 */
export async function tableSizes(db, { withFree = false, tables = HISTORY_TABLES } = {}) {
  const out = [];
  for (const table of tables) {
    const { rows } = await db.query(
      `SELECT c.reltuples::bigint AS rows, pg_table_size(c.oid) AS table_bytes, pg_indexes_size(c.oid) AS index_bytes,
              ${withFree ? `(SELECT coalesce(sum(avail), 0) FROM pg_freespace(c.oid))` : 'NULL'} AS table_free,
              ${withFree ? `(SELECT coalesce(sum(f.avail), 0) FROM pg_index i, LATERAL pg_freespace(i.indexrelid) f WHERE i.indrelid = c.oid)` : 'NULL'} AS index_free,
              s.n_live_tup AS live, s.n_dead_tup AS dead
       FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.oid = $1::regclass`,
      [table],
    );
    const r = rows[0];
    out.push({
      table,
      rows: Number(r.rows),
      live_rows: Number(r.live),
      dead_rows: Number(r.dead),
      table_mib: mib(Number(r.table_bytes)),
      index_mib: mib(Number(r.index_bytes)),
      ...(withFree ? { table_free_mib: mib(Number(r.table_free)), index_free_mib: mib(Number(r.index_free)) } : {}),
    });
  }
  return out;
}

export const totalMib = (sizes) => Math.round(sizes.reduce((a, s) => a + s.table_mib + s.index_mib, 0) * 10) / 10;

export function printSizes(title, sizes) {
  log(title);
  console.table(sizes);
}
