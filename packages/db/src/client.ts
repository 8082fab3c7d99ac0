import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient, Prisma } from './generated/prisma/client.js';

export { PrismaClient, Prisma };
export type { Webhook, ApiKey, Event, Notification, Attempt, EventType } from './generated/prisma/client.js';
export { NotificationStatus, AttemptTrigger } from './generated/prisma/enums.js';

/** A client or the client handed to a `$transaction` callback: repositories accept either. */
export type Db = PrismaClient | Prisma.TransactionClient;

export interface DatabaseOptions {
  url: string;
  /** connection pool size */
  poolSize?: number;
}

export function createPrismaClient(options: DatabaseOptions): PrismaClient {
  const adapter = new PrismaPg({ connectionString: options.url, max: options.poolSize ?? 10 });
  return new PrismaClient({ adapter });
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
