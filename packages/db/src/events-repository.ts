import { Prisma, type Db, type Event } from './client.js';

export class EventsRepository {
  async findById(db: Db, id: string): Promise<Event | null> {
    return db.event.findUnique({ where: { id } });
  }

  async findByIdempotencyKey(db: Db, tenantId: string, idempotencyKey: string): Promise<Event | null> {
    return db.event.findUnique({ where: { tenantId_idempotencyKey: { tenantId, idempotencyKey } } });
  }
}

/** True when `error` is a unique-constraint violation (a concurrent duplicate). */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}

/** Postgres refused the data itself (SQLSTATE class 22: bad value, 23: constraint), not the connection. */
export function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}
