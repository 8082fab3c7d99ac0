import { Prisma, type Db, type EventType } from './client.js';
import { isUniqueViolation } from './events-repository.js';

/** Custom event types; built-ins live in code (BUILTIN_EVENT_TYPES) and rows with tenant ''. */
export class EventTypesRepository {
  constructor(private readonly db: Db) {}

  /** The shared rows (tenant '') and the tenant's own, by name. */
  listVisibleTo(tenantId: string): Promise<EventType[]> {
    return this.db.eventType.findMany({ where: { tenantId: { in: ['', tenantId] } }, orderBy: [{ name: 'asc' }] });
  }

  /** The schema of a tenant's own type and its version (bumped on every change); null when the type is not the tenant's. */
  findSchema(tenantId: string, name: string): Promise<{ schema: Prisma.JsonValue | null; schemaVersion: number } | null> {
    return this.db.eventType.findUnique({ where: { tenantId_name: { tenantId, name } }, select: { schema: true, schemaVersion: true } });
  }

  /** A page of the custom types the tenant sees (its own and shared non-built-in rows) by name, after `afterName`. */
  listCustom(tenantId: string, limit: number, afterName: string | undefined, builtins: readonly string[]): Promise<EventType[]> {
    return this.db.eventType.findMany({
      where: {
        OR: [{ tenantId }, { tenantId: '', name: { notIn: [...builtins] } }],
        ...(afterName === undefined ? {} : { name: { gt: afterName } }),
      },
      orderBy: [{ name: 'asc' }],
      take: limit,
    });
  }

  /** Descriptions of the built-in types (rows with tenant ''). */
  listShared(): Promise<EventType[]> {
    return this.db.eventType.findMany({ where: { tenantId: '' } });
  }

  /**
   * Changes a tenant's own type; `schema` null removes it, undefined keeps it.
   * A schema change bumps schema_version. Null when the tenant has no such type.
   */
  async update(tenantId: string, name: string, changes: { description?: string | null; schema?: Prisma.InputJsonObject | null }): Promise<EventType | null> {
    const data: Prisma.EventTypeUpdateManyMutationInput = {};
    if (changes.description !== undefined) data.description = changes.description;
    if (changes.schema !== undefined) {
      data.schema = changes.schema === null ? Prisma.DbNull : changes.schema;
      data.schemaVersion = { increment: 1 };
    }
    const { count } = await this.db.eventType.updateMany({ where: { tenantId, name }, data });
    return count ? this.db.eventType.findUnique({ where: { tenantId_name: { tenantId, name } } }) : null;
  }

  /** True when the tenant has a custom type of that name. */
  async exists(tenantId: string, name: string): Promise<boolean> {
    return (await this.db.eventType.findFirst({ where: { tenantId, name }, select: { id: true } })) !== null;
  }

  /** Null when the tenant already has a type of that name. */
  async create(tenantId: string, name: string, description: string | null, schema?: Prisma.InputJsonObject): Promise<EventType | null> {
    try {
      return await this.db.eventType.create({ data: { tenantId, name, description, ...(schema ? { schema, schemaVersion: 1 } : {}) } });
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }
}
