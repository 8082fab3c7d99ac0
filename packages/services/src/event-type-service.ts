import { BUILTIN_EVENT_TYPES, ConflictError, ValidationError, unmatchedPatterns } from '@hookrelay/core';
import type { EventTypesRepository, TenantsRepository } from '@hookrelay/db';

export interface EventTypeView {
  name: string;
  description: string | null;
  /** null for built-in types shared by every tenant */
  tenant: string | null;
  builtin: boolean;
}

export interface EventTypeServiceDeps {
  eventTypes: EventTypesRepository;
  tenants: TenantsRepository;
}

export class EventTypeService {
  constructor(private readonly deps: EventTypeServiceDeps) {}

  /** Built-ins (code is the source; shared rows only add descriptions) followed by the tenant's own types. */
  async list(tenant: string): Promise<EventTypeView[]> {
    const rows = await this.deps.eventTypes.listVisibleTo(tenant);
    const shared = new Map(rows.filter((r) => r.tenantId === '').map((r) => [r.name, r.description]));
    const builtins: EventTypeView[] = BUILTIN_EVENT_TYPES.map((name) => ({ name, description: shared.get(name) ?? null, tenant: null, builtin: true }));
    const custom: EventTypeView[] = rows
      .filter((r) => r.tenantId !== '' || !BUILTIN_EVENT_TYPES.includes(r.name))
      .map((r) => ({ name: r.name, description: r.description, tenant: r.tenantId === '' ? null : r.tenantId, builtin: false }));
    return [...builtins, ...custom];
  }

  /** Every type name the tenant may publish or subscribe to. */
  async catalog(tenant: string): Promise<string[]> {
    return (await this.list(tenant)).map((t) => t.name);
  }

  async create(tenant: string, input: { name: string; description?: string }): Promise<EventTypeView> {
    if (BUILTIN_EVENT_TYPES.includes(input.name)) throw new ConflictError(`Event type ${input.name} already exists (built-in)`);
    await this.deps.tenants.ensure(tenant);
    const row = await this.deps.eventTypes.create(tenant, input.name, input.description ?? null);
    if (!row) throw new ConflictError(`Event type ${input.name} already exists`);
    return { name: row.name, description: row.description, tenant: row.tenantId, builtin: false };
  }

  /** Rejects unknown types and wildcards whose prefix matches no known type. */
  async assertSubscribable(tenant: string, patterns: readonly string[], field = 'enabled_events'): Promise<void> {
    const unknown = unmatchedPatterns(patterns, await this.catalog(tenant));
    if (unknown.length === 0) return;
    const errors = unknown.map((p) => ({ field, message: `"${field}" contains "${p}", which matches no known event type` }));
    throw new ValidationError(`Unknown event types in ${field}: ${unknown.join(', ')}`, errors);
  }
}
