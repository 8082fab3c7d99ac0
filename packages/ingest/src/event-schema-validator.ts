/**
 * Event-type schemas (JSON Schema 2020-12, ajv): checked when a type is
 * written, and applied to every event's `resource` at ingest (HTTP, SDK,
 * batch) through one method, `check`. Validators are compiled once per
 * (tenant, type, schema version) and kept; which version is current is
 * looked up again after CURRENT_VERSION_TTL_MS, so a schema change made
 * through another process applies to events ingested here from then on.
 * Changing a schema never touches events already accepted.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { BUILTIN_EVENT_TYPES, ValidationError, type FieldError } from '@hookrelay/core';
import type { EventTypesRepository } from '@hookrelay/db';

export const MAX_SCHEMA_BYTES = 64 * 1024;
/** how long this process trusts the schema version it last read for a type */
export const CURRENT_VERSION_TTL_MS = 1000;
const MAX_REPORTED_ERRORS = 20;
const MAX_CACHED_TYPES = 5000;
/** built-in types never have a schema (they cannot be created or changed by a tenant): no lookup */
const BUILTIN = new Set(BUILTIN_EVENT_TYPES);
/** A quantified group that itself holds a quantifier, e.g. (a+)+: catastrophic backtracking on hostile input. */
const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*(?:[+*]|\{\d+,\d*\})/;

/** An event whose resource its type's schema refuses: a 400 listing each failure (path + message). */
export class SchemaValidationError extends ValidationError {
  readonly reason = 'schema';
}

function newAjv(): Ajv2020 {
  // formats are annotations only (no ajv-formats); no remote $ref is ever fetched (no loadSchema)
  return new Ajv2020({
    allErrors: true,
    strict: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    validateFormats: false,
    addUsedSchema: false,
    logger: false,
  });
}

function schemaProblems(schema: unknown): string | null {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return 'must be a JSON Schema object';
  const text = JSON.stringify(schema);
  if (Buffer.byteLength(text) > MAX_SCHEMA_BYTES) return `must serialize to at most ${MAX_SCHEMA_BYTES} bytes of JSON`;
  const stack: unknown[] = [schema];
  while (stack.length) {
    const node = stack.pop();
    if (typeof node !== 'object' || node === null) continue;
    for (const [key, value] of Object.entries(node)) {
      if (
        (key === 'pattern' && typeof value === 'string' && NESTED_QUANTIFIER.test(value)) ||
        (key === 'patternProperties' && typeof value === 'object' && value && Object.keys(value).some((p) => NESTED_QUANTIFIER.test(p)))
      ) {
        return `has a regular expression with nested quantifiers (${key}), refused: it could take exponential time on some inputs`;
      }
      if (key === '$ref' || key === '$dynamicRef') {
        if (typeof value === 'string' && !value.startsWith('#'))
          return `may only use local references ("${key}": "#/..."), not ${JSON.stringify(value).slice(0, 80)}`;
      }
      stack.push(value);
    }
  }
  return null;
}

/** Throws a 400 naming `field` when `schema` is not a usable JSON Schema 2020-12; otherwise returns a compiled validator. */
export function compileEventSchema(schema: unknown, field = 'schema', ajv: Ajv2020 = newAjv()): ValidateFunction {
  const problem = schemaProblems(schema);
  if (problem) throw new ValidationError(`Invalid ${field}: ${problem}`, [{ field, message: `"${field}" ${problem}` }]);
  try {
    return ajv.compile(schema as object);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const message = `is not a valid JSON Schema 2020-12: ${reason.slice(0, 500)}`;
    throw new ValidationError(`Invalid ${field}: ${message}`, [{ field, message: `"${field}" ${message}` }]);
  }
}

function failures(errors: ErrorObject[] | null | undefined): FieldError[] {
  return (errors ?? []).slice(0, MAX_REPORTED_ERRORS).map((e) => {
    const path = e.instancePath
      .split('/')
      .slice(1)
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    const field = ['resource', ...path].join('.');
    return { field, message: `"${field}" ${e.message ?? 'is invalid'}` };
  });
}

interface Current {
  version: number;
  validate: ValidateFunction | null;
  checkedAt: number;
}

export class EventSchemaValidator {
  private ajv = newAjv();
  private readonly current = new Map<string, Current>();

  constructor(
    private readonly eventTypes: EventTypesRepository,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The failures of `resource` (an object or JSON text) against the schema of
   * the tenant's type `type`; empty when it validates or the type has no schema.
   */
  async check(tenant: string, type: string, resource: unknown): Promise<FieldError[]> {
    const validate = await this.validatorFor(tenant, type);
    if (!validate) return [];
    let value = resource;
    if (typeof resource === 'string') {
      try {
        value = JSON.parse(resource);
      } catch {
        return [{ field: 'resource', message: '"resource" must be an object or a JSON string' }];
      }
    }
    return validate(value) ? [] : failures(validate.errors);
  }

  /** `check`, throwing a SchemaValidationError (400) that lists the failures. */
  async assertValid(tenant: string, type: string, resource: unknown): Promise<void> {
    const errors = await this.check(tenant, type, resource);
    if (errors.length === 0) return;
    throw new SchemaValidationError(`"resource" does not match the schema of event type ${type}: ${errors.map((e) => e.message).join('; ')}`, errors);
  }

  /** Forget what this process knows of a type (its schema was just changed here). */
  forget(tenant: string, type: string): void {
    this.current.delete(`${tenant}\n${type}`);
  }

  private async validatorFor(tenant: string, type: string): Promise<ValidateFunction | null> {
    if (BUILTIN.has(type)) return null;
    const key = `${tenant}\n${type}`;
    const cached = this.current.get(key);
    if (cached && this.now() - cached.checkedAt < CURRENT_VERSION_TTL_MS) return cached.validate;
    const row = await this.eventTypes.findSchema(tenant, type);
    const version = row?.schemaVersion ?? 0;
    let validate: ValidateFunction | null = null;
    if (cached && cached.version === version) validate = cached.validate;
    else if (row?.schema) {
      if (this.current.size >= MAX_CACHED_TYPES) {
        this.current.clear();
        this.ajv = newAjv();
      }
      validate = compileEventSchema(row.schema, 'schema', this.ajv);
    }
    this.current.set(key, { version, validate, checkedAt: this.now() });
    return validate;
  }
}
