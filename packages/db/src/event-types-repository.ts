import type { Db, EventType } from './client.js';
import { isUniqueViolation } from './events-repository.js';

/** Custom event types; built-ins live in code (BUILTIN_EVENT_TYPES) and rows with tenant ''. */
export class EventTypesRepository {
  constructor(private readonly db: Db) {}

  /** The shared rows (tenant '') and the tenant's own, by name. */
  listVisibleTo(tenantId: string): Promise<EventType[]> {
    return this.db.eventType.findMany({ where: { tenantId: { in: ['', tenantId] } }, orderBy: [{ name: 'asc' }] });
  }

  /** True when the tenant has a custom type of that name. */
  async exists(tenantId: string, name: string): Promise<boolean> {
    return (await this.db.eventType.findFirst({ where: { tenantId, name }, select: { id: true } })) !== null;
  }

  /** Null when the tenant already has a type of that name. */
  async create(tenantId: string, name: string, description: string | null): Promise<EventType | null> {
    try {
      return await this.db.eventType.create({ data: { tenantId, name, description } });
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }
}
