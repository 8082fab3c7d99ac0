/** An event type of the tenant's catalog (built-in or its own). */
import type { EventTypeEntry } from '../services/event-type-service.js';

export interface EventTypeView {
  name: string;
  description: string | null;
  /** null for built-in types shared by every tenant */
  tenant: string | null;
  builtin: boolean;
  /** JSON Schema 2020-12 the events' `resource` must satisfy; null = none */
  schema: unknown;
}

export function presentEventType(t: EventTypeEntry): EventTypeView {
  return { name: t.name, description: t.description, tenant: t.tenant, builtin: t.builtin, schema: t.schema };
}
