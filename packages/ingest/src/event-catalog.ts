/**
 * Answers "is this a known event type for this tenant": built-ins from code,
 * custom types from Postgres. Event types are never removed, so a type once
 * found is remembered; an unknown one is asked again every time (it may be
 * added at any moment, through any API replica).
 */
import { BUILTIN_EVENT_TYPES } from '@hookrelay/core';
import { EventTypesRepository, type Db } from '@hookrelay/db';

const BUILTIN = new Set(BUILTIN_EVENT_TYPES);
const KNOWN_CACHE_SIZE = 10_000;

export class EventCatalog {
  private readonly eventTypes: EventTypesRepository;
  private readonly known = new Set<string>();

  constructor(db: Db) {
    this.eventTypes = new EventTypesRepository(db);
  }

  async isKnown(tenantId: string, type: string): Promise<boolean> {
    if (BUILTIN.has(type)) return true;
    const key = `${tenantId}\n${type}`;
    if (this.known.has(key)) return true;
    if (!(await this.eventTypes.exists(tenantId, type))) return false;
    if (this.known.size >= KNOWN_CACHE_SIZE) this.known.clear();
    this.known.add(key);
    return true;
  }
}
