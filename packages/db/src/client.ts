import { createHash } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { Logger } from '@hookrelay/core';
import { PrismaClient, Prisma } from './generated/prisma/client.js';

export { PrismaClient, Prisma };
export type { Webhook, ApiKey, Event, Notification, Attempt, EventType, PortalSession } from './generated/prisma/client.js';
export { NotificationStatus, AttemptTrigger } from './generated/prisma/enums.js';

/** A client or the client handed to a `$transaction` callback: repositories accept either. */
export type Db = PrismaClient | Prisma.TransactionClient;

/** A node-postgres pool or client: whatever runs `query`. */
export type Queryable = Pick<pg.Pool, 'query'>;

/** Statement text -> prepared statement name; shapes are few (a filter's combinations), the map is bounded anyway. */
const statementNames = new Map<string, string>();

/**
 * Runs a statement built with `Prisma.sql` over node-postgres, prepared once
 * per connection under a name derived from its text. For the API's hot
 * reads: a Prisma model query costs about 0.3 ms more CPU than the same
 * statement through the pool, most of a read's own work (bench/README.md,
 * "Scale phase").
 */
export async function queryRows<T extends pg.QueryResultRow>(db: Queryable, sql: Prisma.Sql): Promise<T[]> {
  let name = statementNames.get(sql.text);
  if (!name) {
    name = `hr_${createHash('sha1').update(sql.text).digest('hex').slice(0, 24)}`;
    if (statementNames.size < 1000) statementNames.set(sql.text, name);
  }
  const { rows } = await db.query<T>({ name, text: sql.text, values: sql.values });
  return rows;
}

export interface DatabaseOptions {
  url: string;
  /** connection pool size */
  poolSize?: number;
}

export function createPrismaClient(options: DatabaseOptions): PrismaClient {
  const adapter = new PrismaPg({ connectionString: options.url, max: options.poolSize ?? 10 });
  return new PrismaClient({ adapter });
}

/** One pool of Postgres connections shared by Prisma and the batched hot-path statements (DeliveryStore, FanOutStore). */
export interface Database {
  prisma: PrismaClient;
  pool: pg.Pool;
  close(): Promise<void>;
}

export function createDatabase(options: DatabaseOptions & { logger?: Pick<Logger, 'warn'> }): Database {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    // a statement or a connection attempt that never answers (a silent network
    // partition) must fail, not hold a batch slot forever: callers postpone and retry
    connectionTimeoutMillis: 10_000,
    query_timeout: 30_000,
    keepAlive: true,
  });
  // a connection that breaks while idle (Postgres restarted) is dropped from the pool; without a listener it would crash the process
  pool.on('error', (err) => options.logger?.warn({ err }, 'idle Postgres connection lost'));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    prisma,
    pool,
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

/** True when the database answers a trivial query. */
export async function isDatabaseReachable(db: PrismaClient): Promise<boolean> {
  try {
    await db.$queryRaw`SELECT 1`;
    return true;
  } catch {
    return false;
  }
}
