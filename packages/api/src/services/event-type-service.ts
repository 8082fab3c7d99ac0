import { BUILTIN_EVENT_TYPES, ConflictError, NotFoundError, ValidationError, unmatchedPatterns } from '@hookrelay/core';
import type { EventType, EventTypesRepository, Prisma, TenantsRepository } from '@hookrelay/db';
import { compileEventSchema, type EventSchemaValidator } from '@hookrelay/ingest';

/** An entry of a tenant's event-type catalog: a built-in type or one of its own. */
export interface EventTypeEntry {
  name: string;
  description: string | null;
  /** null for built-in types shared by every tenant */
  tenant: string | null;
  builtin: boolean;
  /** JSON Schema 2020-12 the events' `resource` must satisfy; null = none */
  schema: unknown;
}

export interface EventTypePage {
  eventTypes: EventTypeEntry[];
  nextPageToken: string | null;
}

export interface EventTypeServiceDeps {
  eventTypes: EventTypesRepository;
  tenants: TenantsRepository;
  /** this process's schema cache, told when a schema changes here */
  schemas?: EventSchemaValidator;
}

export interface EventTypeInput {
  name: string;
  description?: string;
  schema?: Record<string, unknown>;
}

export interface EventTypeChanges {
  description?: string | null;
  schema?: Record<string, unknown> | null;
}

/** Page tokens: the section (b = built-ins in catalog order, c = custom types by name) and the last name shown. */
function encodeToken(section: 'b' | 'c', name: string): string {
  return Buffer.from(JSON.stringify([section, name])).toString('base64url');
}

function decodeToken(token: string | undefined): { section: 'b' | 'c'; name: string } | undefined {
  if (token === undefined || token === '') return undefined;
  try {
    const [section, name] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as [unknown, unknown];
    if ((section === 'b' || section === 'c') && typeof name === 'string' && name.length <= 128) return { section, name };
  } catch {
    // falls through
  }
  throw new ValidationError('Invalid page_token', [{ field: 'page_token', message: '"page_token" is not a valid page token' }]);
}

function customEntry(r: EventType): EventTypeEntry {
  return { name: r.name, description: r.description, tenant: r.tenantId === '' ? null : r.tenantId, builtin: false, schema: r.schema ?? null };
}

/** Validated and compiled once here (a 400 naming `schema` when unusable); what is stored is the schema as given. */
function checkedSchema(schema: Record<string, unknown>): Prisma.InputJsonObject {
  compileEventSchema(schema, 'schema');
  return schema as Prisma.InputJsonObject;
}

export class EventTypeService {
  constructor(private readonly deps: EventTypeServiceDeps) {}

  /** Built-ins (code is the source; shared rows only add descriptions) followed by the tenant's own types. */
  async list(tenant: string): Promise<EventTypeEntry[]> {
    const rows = await this.deps.eventTypes.listVisibleTo(tenant);
    const shared = new Map(rows.filter((r) => r.tenantId === '').map((r) => [r.name, r.description]));
    const builtins: EventTypeEntry[] = BUILTIN_EVENT_TYPES.map((name) => ({
      name,
      description: shared.get(name) ?? null,
      tenant: null,
      builtin: true,
      schema: null,
    }));
    const custom = rows.filter((r) => r.tenantId !== '' || !BUILTIN_EVENT_TYPES.includes(r.name)).map(customEntry);
    return [...builtins, ...custom];
  }

  /**
   * One page of `list`, in the same stable order: built-ins in catalog order,
   * then custom types by name (keyset on the name, so types added meanwhile
   * never shift a page).
   */
  async page(tenant: string, input: { limit: number; page_token?: string }): Promise<EventTypePage> {
    const after = decodeToken(input.page_token);
    const out: EventTypeEntry[] = [];
    let more = false;
    if (!after || after.section === 'b') {
      const start = after ? BUILTIN_EVENT_TYPES.indexOf(after.name) + 1 : 0;
      const names = BUILTIN_EVENT_TYPES.slice(start);
      const shared = new Map((await this.deps.eventTypes.listShared()).map((r) => [r.name, r.description]));
      for (const name of names.slice(0, input.limit)) out.push({ name, description: shared.get(name) ?? null, tenant: null, builtin: true, schema: null });
      more = names.length > input.limit;
    }
    if (!more) {
      const afterName = after?.section === 'c' ? after.name : undefined;
      const wanted = input.limit - out.length; // 0 when the built-ins filled the page: then only "is there more?"

      const rows = (await this.deps.eventTypes.listCustom(tenant, wanted + 1, afterName, BUILTIN_EVENT_TYPES)).map(customEntry);
      out.push(...rows.slice(0, wanted));
      more = rows.length > wanted;
    }
    const last = out[out.length - 1];
    return { eventTypes: out, nextPageToken: more && last ? encodeToken(last.builtin ? 'b' : 'c', last.name) : null };
  }

  /** Every type name the tenant may publish or subscribe to. */
  async catalog(tenant: string): Promise<string[]> {
    return (await this.list(tenant)).map((t) => t.name);
  }

  async create(tenant: string, input: EventTypeInput): Promise<EventTypeEntry> {
    if (BUILTIN_EVENT_TYPES.includes(input.name)) throw new ConflictError(`Event type ${input.name} already exists (built-in)`);
    const schema = input.schema === undefined ? undefined : checkedSchema(input.schema);
    await this.deps.tenants.ensure(tenant);
    const row = await this.deps.eventTypes.create(tenant, input.name, input.description ?? null, schema);
    if (!row) throw new ConflictError(`Event type ${input.name} already exists`);
    this.deps.schemas?.forget(tenant, input.name);
    return customEntry(row);
  }

  /** `PUT /v1/event-types/{name}`: the tenant's own types only; a schema change applies to events ingested from then on. */
  async update(tenant: string, name: string, changes: EventTypeChanges): Promise<EventTypeEntry> {
    if (BUILTIN_EVENT_TYPES.includes(name)) throw new ConflictError(`Event type ${name} is built-in and cannot be changed`);
    const schema = changes.schema === undefined || changes.schema === null ? changes.schema : checkedSchema(changes.schema);
    const row = await this.deps.eventTypes.update(tenant, name, { description: changes.description, schema });
    if (!row) throw new NotFoundError(`Event type ${name} not found`);
    this.deps.schemas?.forget(tenant, name);
    return customEntry(row);
  }

  /** Rejects unknown types and wildcards whose prefix matches no known type. */
  async assertSubscribable(tenant: string, patterns: readonly string[], field = 'enabled_events'): Promise<void> {
    const unknown = unmatchedPatterns(patterns, await this.catalog(tenant));
    if (unknown.length === 0) return;
    const errors = unknown.map((p) => ({ field, message: `"${field}" contains "${p}", which matches no known event type` }));
    throw new ValidationError(`Unknown event types in ${field}: ${unknown.join(', ')}`, errors);
  }
}
