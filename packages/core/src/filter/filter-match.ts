/**
 * Compiles a valid filter (filter-rules.ts) into a matcher that says whether
 * an event matches and why. Used by :test-filter; fan-out evaluates the same
 * rules in SQL (hookrelay_filter_matches), and the tests hold the two
 * against each other.
 */
import { assertValidFilter, isOperatorObject, isPlainObject, pathSegments, type FieldOperator, type Json } from './filter-rules.js';

/** What a filter sees of an event: resource and changed_fields parsed (null when absent or unparsable). */
export interface FilterDocument {
  type: string;
  resource: unknown;
  changed_fields: unknown;
}

export interface FilterOutcome {
  matches: boolean;
  reason: string;
}

export interface CompiledFilter {
  readonly source: { [key: string]: Json };
  /** whether the event matches, and why (:test-filter) */
  test(doc: FilterDocument): FilterOutcome;
  /** the same answer without building the explanation (fan-out) */
  matches(doc: FilterDocument): boolean;
}

type Node = (doc: FilterDocument) => FilterOutcome;
const MISSING = Symbol('missing');
type Value = unknown | typeof MISSING;

/** Parses a JSON string field as the fan-out does; anything else is taken as it is. */
export function parseEventField(value: unknown): unknown {
  if (typeof value !== 'string') return value ?? null;
  try {
    return JSON.parse(value);
  } catch {
    return null;
  }
}

export function resolvePath(doc: FilterDocument, path: string): Value {
  let current: unknown = doc;
  for (const segment of pathSegments(path)) {
    if (Array.isArray(current) && /^[0-9]{1,9}$/.test(segment)) {
      const index = Number(segment);
      if (index >= current.length) return MISSING;
      current = current[index];
    } else if (isPlainObject(current) && Object.hasOwn(current, segment)) {
      current = current[segment];
    } else {
      return MISSING;
    }
  }
  return current;
}

/** JSON equality: same type and value, objects by keys regardless of order. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

function show(value: Value): string {
  if (value === MISSING) return 'missing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Strings compare by code point (as Postgres COLLATE "C"), numbers by value; other pairs never compare. */
function compare(value: Value, operand: Json): number | null {
  if (typeof value === 'number' && typeof operand === 'number') return value - operand;
  if (typeof value === 'string' && typeof operand === 'string') {
    const a = [...value];
    const b = [...operand];
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const d = a[i]!.codePointAt(0)! - b[i]!.codePointAt(0)!;
      if (d !== 0) return d;
    }
    return a.length - b.length;
  }
  return null;
}

export function applyOperator(op: FieldOperator, operand: Json, value: Value): boolean {
  const present = value !== MISSING;
  switch (op) {
    case '$eq':
      return present && jsonEqual(value, operand);
    case '$ne':
      return !present || !jsonEqual(value, operand);
    case '$in':
      return present && (operand as Json[]).some((x) => jsonEqual(value, x));
    case '$nin':
      return !present || !(operand as Json[]).some((x) => jsonEqual(value, x));
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte': {
      const d = present ? compare(value, operand) : null;
      if (d === null) return false;
      return op === '$gt' ? d > 0 : op === '$gte' ? d >= 0 : op === '$lt' ? d < 0 : d <= 0;
    }
    case '$exists':
      return present === operand;
    case '$prefix':
      return typeof value === 'string' && value.startsWith(operand as string);
  }
}

function fieldNode(path: string, condition: Json): Node {
  const ops: [FieldOperator, Json][] = isOperatorObject(condition) ? (Object.entries(condition) as [FieldOperator, Json][]) : [['$eq', condition]];
  return (doc) => {
    const value = resolvePath(doc, path);
    for (const [op, operand] of ops) {
      if (!applyOperator(op, operand, value)) {
        return { matches: false, reason: `${path} is ${show(value)}, which does not satisfy ${op} ${show(operand)}` };
      }
    }
    return { matches: true, reason: `${path} is ${show(value)}, which satisfies ${ops.map(([op, x]) => `${op} ${show(x)}`).join(' and ')}` };
  };
}

function allOf(nodes: Node[], label: string): Node {
  return (doc) => {
    const reasons: string[] = [];
    for (const node of nodes) {
      const outcome = node(doc);
      if (!outcome.matches) return { matches: false, reason: label ? `${label}: ${outcome.reason}` : outcome.reason };
      reasons.push(outcome.reason);
    }
    return { matches: true, reason: reasons.length ? reasons.join('; ') : 'the filter is empty: every event matches' };
  };
}

function anyOf(nodes: Node[]): Node {
  return (doc) => {
    const reasons: string[] = [];
    for (const [i, node] of nodes.entries()) {
      const outcome = node(doc);
      if (outcome.matches) return { matches: true, reason: `$or[${i}] matched: ${outcome.reason}` };
      reasons.push(`$or[${i}]: ${outcome.reason}`);
    }
    return { matches: false, reason: `no clause of $or matched (${reasons.join('; ')})` };
  };
}

function build(filter: { [key: string]: Json }): Node {
  const nodes: Node[] = Object.entries(filter).map(([key, value]) => {
    if (key === '$and') return allOf((value as { [key: string]: Json }[]).map(build), '$and');
    if (key === '$or') return anyOf((value as { [key: string]: Json }[]).map(build));
    if (key === '$not') {
      const inner = build(value as { [key: string]: Json });
      return (doc) => {
        const outcome = inner(doc);
        return outcome.matches
          ? { matches: false, reason: `$not: the negated filter matched (${outcome.reason})` }
          : { matches: true, reason: `$not: the negated filter did not match (${outcome.reason})` };
      };
    }
    return fieldNode(key, value);
  });
  return allOf(nodes, '');
}

type Predicate = (doc: FilterDocument) => boolean;

function buildPredicate(filter: { [key: string]: Json }): Predicate {
  const parts: Predicate[] = Object.entries(filter).map(([key, value]): Predicate => {
    if (key === '$and') {
      const all = (value as { [key: string]: Json }[]).map(buildPredicate);
      return (doc) => all.every((p) => p(doc));
    }
    if (key === '$or') {
      const any = (value as { [key: string]: Json }[]).map(buildPredicate);
      return (doc) => any.some((p) => p(doc));
    }
    if (key === '$not') {
      const inner = buildPredicate(value as { [key: string]: Json });
      return (doc) => !inner(doc);
    }
    const ops: [FieldOperator, Json][] = isOperatorObject(value) ? (Object.entries(value) as [FieldOperator, Json][]) : [['$eq', value]];
    return (doc) => {
      const v = resolvePath(doc, key);
      return ops.every(([op, operand]) => applyOperator(op, operand, v));
    };
  });
  return (doc) => parts.every((p) => p(doc));
}

/** Validates (FilterError, a 400, when invalid) and compiles once. */
export function compileFilter(filter: unknown, field = 'filter'): CompiledFilter {
  const source = assertValidFilter(filter, field);
  return { source, test: build(source), matches: buildPredicate(source) };
}

/** The filter's view of an event as stored (resource and changed_fields as JSON text). */
export function filterDocument(event: { type: string; resource: unknown; changed_fields?: unknown }): FilterDocument {
  return { type: event.type, resource: parseEventField(event.resource), changed_fields: parseEventField(event.changed_fields) };
}
