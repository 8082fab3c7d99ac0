/** Answers "is this a known event type for this tenant": built-ins from code, custom types from Postgres. */
import { BUILTIN_EVENT_TYPES } from '@hookrelay/core';
import { EventTypesRepository, type Db } from '@hookrelay/db';

const BUILTIN = new Set(BUILTIN_EVENT_TYPES);

export class EventCatalog {
  private readonly eventTypes: EventTypesRepository;

  constructor(db: Db) {
    this.eventTypes = new EventTypesRepository(db);
  }

  async isKnown(tenantId: string, type: string): Promise<boolean> {
    return BUILTIN.has(type) || this.eventTypes.exists(tenantId, type);
  }
}
