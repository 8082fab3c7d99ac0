import { Prisma, type Db, type Event } from './client.js';

export interface NewEvent {
  id: string;
  tenantId: string;
  type: string;
  resource: string | null;
  changedFields: string | null;
  eventTime: Date;
  idempotencyKey: string | null;
}

export class EventsRepository {
  async create(db: Db, event: NewEvent): Promise<Event> {
    return db.event.create({ data: event });
  }

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
