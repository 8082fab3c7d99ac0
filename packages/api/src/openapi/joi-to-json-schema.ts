/**
 * A small joi → JSON Schema (2020-12, as used by OpenAPI 3.1) converter built
 * on `schema.describe()`, so the OpenAPI document is derived from the very
 * schemas that validate requests and cannot drift from them. It covers the
 * joi features our schemas use; anything else degrades to `{}` (any value).
 */

/** The parts of joi's `describe()` output we read. */
export interface JoiDescription {
  type?: string;
  flags?: { presence?: string; unknown?: boolean; default?: unknown; description?: string; only?: boolean };
  rules?: { name: string; args?: Record<string, unknown> }[];
  keys?: Record<string, JoiDescription>;
  items?: JoiDescription[];
  matches?: { schema?: JoiDescription; switch?: { then?: JoiDescription }[]; then?: JoiDescription }[];
  allow?: unknown[];
  renames?: { from: string; to: string }[];
  patterns?: { regex?: string; rule?: JoiDescription }[];
}

/** Anything with joi's `describe()`; keeps joi itself out of this package's dependencies. */
export interface Describable {
  describe(): unknown;
}

export type JsonSchema = Record<string, unknown>;

function rule(d: JoiDescription, name: string): Record<string, unknown> | undefined {
  const found = d.rules?.find((r) => r.name === name);
  return found ? (found.args ?? {}) : undefined;
}

function limit(d: JoiDescription, name: string): number | undefined {
  const value = rule(d, name)?.limit;
  return typeof value === 'number' ? value : undefined;
}

function stringSchema(d: JoiDescription): JsonSchema {
  const s: JsonSchema = { type: 'string' };
  const min = limit(d, 'min');
  const max = limit(d, 'max');
  if (min !== undefined) s.minLength = min;
  if (max !== undefined) s.maxLength = max;
  const pattern = rule(d, 'pattern')?.regex;
  if (typeof pattern === 'string') s.pattern = pattern.replace(/^\/(.*)\/[a-z]*$/s, '$1');
  if (rule(d, 'uri')) s.format = 'uri';
  if (rule(d, 'guid')) s.format = 'uuid';
  if (rule(d, 'isoDate')) s.format = 'date-time';
  return s;
}

function numberSchema(d: JoiDescription): JsonSchema {
  const s: JsonSchema = { type: rule(d, 'integer') ? 'integer' : 'number' };
  const min = limit(d, 'min');
  const max = limit(d, 'max');
  if (min !== undefined) s.minimum = min;
  if (max !== undefined) s.maximum = max;
  return s;
}

function arraySchema(d: JoiDescription): JsonSchema {
  const s: JsonSchema = { type: 'array' };
  const items = d.items ?? [];
  if (items.length === 1) s.items = describedToJsonSchema(items[0]);
  else if (items.length > 1) s.items = { anyOf: items.map(describedToJsonSchema) };
  const min = limit(d, 'min');
  const max = limit(d, 'max');
  if (min !== undefined) s.minItems = min;
  if (max !== undefined) s.maxItems = max;
  if (rule(d, 'unique')) s.uniqueItems = true;
  return s;
}

function objectSchema(d: JoiDescription): JsonSchema {
  const s: JsonSchema = { type: 'object' };
  if (d.keys) {
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const [name, child] of Object.entries(d.keys)) {
      properties[name] = describedToJsonSchema(child);
      if (child.flags?.presence === 'required') required.push(name);
    }
    // Renamed keys (aliases) are accepted on input: document them next to their target.
    for (const { from, to } of d.renames ?? []) {
      const target = properties[to];
      if (target) properties[from] = { ...target, description: `Alias of \`${to}\`.`, default: undefined };
    }
    s.properties = properties;
    if (required.length) s.required = required;
    s.additionalProperties = d.flags?.unknown === true;
  } else if (d.patterns?.length && d.patterns.every((p) => p.regex && p.rule)) {
    // Joi.object().pattern(regex, schema): keys matching the regex, nothing else
    s.patternProperties = Object.fromEntries(d.patterns.map((p) => [p.regex!.replace(/^\/(.*)\/[a-z]*$/s, '$1'), describedToJsonSchema(p.rule!)]));
    s.additionalProperties = false;
  } else {
    s.additionalProperties = true;
  }
  const min = limit(d, 'min');
  const max = limit(d, 'max');
  if (min !== undefined) s.minProperties = min;
  if (max !== undefined) s.maxProperties = max;
  return s;
}

/** A `try` alternative is its schema; a `conditional` one (e.g. on `.type`) is each of its `then` branches. */
function alternativeSchemas(m: NonNullable<JoiDescription['matches']>[number]): JsonSchema[] {
  if (m.schema) return [describedToJsonSchema(m.schema)];
  const branches = [...(m.switch ?? []).map((c) => c.then), m.then];
  return branches.flatMap((b) => (b ? [describedToJsonSchema(b)] : []));
}

function baseSchema(d: JoiDescription): JsonSchema {
  switch (d.type) {
    case 'string':
      return stringSchema(d);
    case 'number':
      return numberSchema(d);
    case 'boolean':
      return { type: 'boolean' };
    case 'array':
      return arraySchema(d);
    case 'object':
      return objectSchema(d);
    case 'date':
      return { type: 'string', format: 'date-time' };
    case 'alternatives':
      return { anyOf: (d.matches ?? []).flatMap(alternativeSchemas) };
    default:
      return {};
  }
}

export function describedToJsonSchema(d: JoiDescription): JsonSchema {
  const s = baseSchema(d);
  const allowed = d.allow ?? [];
  if (d.flags?.only) {
    s.enum = allowed;
  } else if (allowed.includes(null) && typeof s.type === 'string') {
    s.type = [s.type, 'null'];
  } else if (allowed.includes(null) && Array.isArray(s.anyOf)) {
    s.anyOf = [...(s.anyOf as JsonSchema[]), { type: 'null' }];
  }
  if (d.flags?.default !== undefined && typeof d.flags.default !== 'function') s.default = d.flags.default;
  if (d.flags?.description) s.description = d.flags.description;
  return JSON.parse(JSON.stringify(s)) as JsonSchema;
}

export function joiToJsonSchema(schema: Describable): JsonSchema {
  return describedToJsonSchema(schema.describe() as JoiDescription);
}

/** Query schemas become one OpenAPI parameter per key. */
export function joiToQueryParameters(schema: Describable): JsonSchema[] {
  const described = joiToJsonSchema(schema);
  const properties = (described.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((described.required ?? []) as string[]);
  return Object.entries(properties).map(([name, s]) => ({ name, in: 'query', required: required.has(name), schema: s }));
}
