/**
 * What the planner knows about a table's size against its size now, and
 * ANALYZE to bring it up to date (StatisticsRefresher in the worker decides
 * when). Only tables of this schema, named by the caller from a fixed list.
 */
import type { Queryable } from './client.js';

export interface TableSize {
  table: string;
  /** pages (8 KiB) the table has now */
  pages: number;
  /** pages it had when its statistics were last taken (pg_class.relpages; 0: never) */
  statsPages: number;
}

const SIZES = `
  SELECT c.relname AS table,
         (pg_relation_size(c.oid) / current_setting('block_size')::int)::int AS pages,
         c.relpages::int AS "statsPages"
  FROM pg_class c
  WHERE c.oid = ANY($1::regclass[])`;

export class TableStatisticsStore {
  constructor(private readonly pool: Queryable) {}

  async sizes(tables: readonly string[]): Promise<TableSize[]> {
    const { rows } = await this.pool.query<TableSize>(SIZES, [tables]);
    return rows;
  }

  /** ANALYZE `table` (one of the caller's fixed names, quoted as an identifier). */
  async analyze(table: string): Promise<void> {
    await this.pool.query(`ANALYZE "${table.replace(/"/g, '""')}"`);
  }
}
