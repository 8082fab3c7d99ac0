/** Answers "is this a known event type for this tenant": built-ins from code, custom types from Postgres. */
import { BUILTIN_EVENT_TYPES } from '@hookrelay/core';
import type { Db } from '@hookrelay/db';

const BUILTIN = new Set(BUILTIN_EVENT_TYPES);

export class EventCatalog {
  constructor(private readonly db: Db) {}

  async isKnown(tenantId: string, type: string): Promise<boolean> {
    if (BUILTIN.has(type)) return true;
    const found = await this.db.eventType.findFirst({ where: { tenantId, name: type }, select: { id: true } });
    return found !== null;
  }
}
