import { Prisma, type Db, type EventType } from './client.js';

/** Custom event types; built-ins live in code (BUILTIN_EVENT_TYPES) and rows with tenant ''. */
export class EventTypesRepository {
  constructor(private readonly db: Db) {}

  /** The shared rows (tenant '') and the tenant's own, by name. */
  listVisibleTo(tenantId: string): Promise<EventType[]> {
    return this.db.eventType.findMany({ where: { tenantId: { in: ['', tenantId] } }, orderBy: [{ name: 'asc' }] });
  }

  /** Null when the tenant already has a type of that name. */
  async create(tenantId: string, name: string, description: string | null): Promise<EventType | null> {
    try {
      return await this.db.eventType.create({ data: { tenantId, name, description } });
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') return null;
      throw error;
    }
  }
}
