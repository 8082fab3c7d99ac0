/**
 * The webhook filter language, checked once when a webhook is written: what
 * a filter may contain and the limits on it. The matching itself is in
 * filter-match.ts (and, for fan-out, in the SQL function
 * hookrelay_filter_matches, which follows the same rules).
 */
import { ValidationError, type FieldError } from '../errors.js';

export const MAX_FILTER_BYTES = 4096;
/** nesting of objects and arrays anywhere in the filter */
export const MAX_FILTER_DEPTH = 10;
export const MAX_FILTER_IN_ITEMS = 100;
export const MAX_FILTER_PATH_LENGTH = 256;

export const FILTER_ROOTS = ['type', 'resource', 'changed_fields'] as const;
export const FIELD_OPERATORS = ['$eq', '$ne', '$in', '$nin', '$gt', '$gte', '$lt', '$lte', '$exists', '$prefix'] as const;
export const LOGICAL_OPERATORS = ['$and', '$or', '$not'] as const;
export type FieldOperator = (typeof FIELD_OPERATORS)[number];

/** Keys that could reach an object's prototype in careless code: refused anywhere in a filter. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const FIELD_OPS = new Set<string>(FIELD_OPERATORS);

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** An invalid filter: a 400 whose errors name the place (`filter.resource.amount.$gt`) and the reason. */
export class FilterError extends ValidationError {
  constructor(field: string, reason: string) {
    super(`Invalid filter at ${field}: ${reason}`, [{ field, message: `${field} ${reason}` } satisfies FieldError]);
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An operator object: a non-empty object whose keys all start with `$`. */
export function isOperatorObject(value: unknown): value is Record<string, unknown> {
  const keys = isPlainObject(value) ? Object.keys(value) : [];
  return keys.length > 0 && keys.every((k) => k.startsWith('$'));
}

/** Path segments of a dotted key; a numeric segment also indexes an array (0-999999999). */
export function pathSegments(path: string): string[] {
  return path.split('.');
}

/** Walks the whole value without recursion (safe on hostile nesting): depth, prototype keys, JSON-only values. */
function checkShape(filter: unknown, field: string): void {
  const stack: { value: unknown; depth: number; at: string }[] = [{ value: filter, depth: 1, at: field }];
  while (stack.length) {
    const { value, depth, at } = stack.pop()!;
    if (typeof value === 'number' && !Number.isFinite(value)) throw new FilterError(at, 'must be a finite number');
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_FILTER_DEPTH) throw new FilterError(at, `is nested too deep (at most ${MAX_FILTER_DEPTH} levels of objects and arrays)`);
    if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) stack.push({ value: item, depth: depth + 1, at: `${at}[${i}]` });
      continue;
    }
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key) || pathSegments(key).some((s) => FORBIDDEN_KEYS.has(s))) {
        throw new FilterError(`${at}.${key}`, 'uses a reserved key (__proto__, constructor and prototype are refused)');
      }
      stack.push({ value: (value as Record<string, unknown>)[key], depth: depth + 1, at: `${at}.${key}` });
    }
  }
}

function checkPath(path: string, at: string): void {
  if (path.length > MAX_FILTER_PATH_LENGTH) throw new FilterError(at, `is a path longer than ${MAX_FILTER_PATH_LENGTH} characters`);
  const segments = pathSegments(path);
  if (segments.some((s) => s === '')) throw new FilterError(at, 'is not a valid dotted path (empty segment)');
  if (!(FILTER_ROOTS as readonly string[]).includes(segments[0]!)) {
    throw new FilterError(at, `must start with one of ${FILTER_ROOTS.join(', ')} (the event fields a filter can match)`);
  }
}

function checkOperand(op: string, operand: unknown, at: string): void {
  switch (op) {
    case '$eq':
    case '$ne':
      return;
    case '$in':
    case '$nin':
      if (!Array.isArray(operand)) throw new FilterError(at, 'must be an array of values');
      if (operand.length > MAX_FILTER_IN_ITEMS) throw new FilterError(at, `must hold at most ${MAX_FILTER_IN_ITEMS} values`);
      return;
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte':
      if (typeof operand !== 'number' && typeof operand !== 'string') throw new FilterError(at, 'must be a number or a string');
      return;
    case '$exists':
      if (typeof operand !== 'boolean') throw new FilterError(at, 'must be true or false');
      return;
    case '$prefix':
      if (typeof operand !== 'string') throw new FilterError(at, 'must be a string');
      return;
    default:
      throw new FilterError(at, `is not a known operator (use ${FIELD_OPERATORS.join(' ')})`);
  }
}

function checkCondition(value: unknown, at: string): void {
  if (!isPlainObject(value) || Object.keys(value).length === 0) return; // a literal: equality
  const keys = Object.keys(value);
  const dollar = keys.filter((k) => k.startsWith('$'));
  if (dollar.length === 0) return; // an object literal
  if (dollar.length !== keys.length) throw new FilterError(at, 'mixes operators ($...) with other keys');
  for (const op of keys) {
    if (!FIELD_OPS.has(op)) throw new FilterError(`${at}.${op}`, `is not a known operator (use ${FIELD_OPERATORS.join(' ')})`);
    checkOperand(op, value[op], `${at}.${op}`);
  }
}

function checkFilterObject(filter: unknown, at: string): void {
  if (!isPlainObject(filter)) throw new FilterError(at, 'must be an object (a filter)');
  for (const [key, value] of Object.entries(filter)) {
    const here = `${at}.${key}`;
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(value) || value.length === 0) throw new FilterError(here, 'must be a non-empty array of filters');
      for (const [i, item] of value.entries()) checkFilterObject(item, `${here}[${i}]`);
    } else if (key === '$not') {
      checkFilterObject(value, here);
    } else if (key.startsWith('$')) {
      throw new FilterError(here, `is not a known operator here (a filter takes field paths, ${LOGICAL_OPERATORS.join(', ')})`);
    } else {
      checkPath(key, here);
      checkCondition(value, here);
    }
  }
}

/** Throws a FilterError (400) naming the first problem; returns the filter as JSON when it is valid. */
export function assertValidFilter(filter: unknown, field = 'filter'): { [key: string]: Json } {
  checkShape(filter, field);
  const text = JSON.stringify(filter);
  if (text === undefined || Buffer.byteLength(text) > MAX_FILTER_BYTES) {
    throw new FilterError(field, `must serialize to at most ${MAX_FILTER_BYTES} bytes of JSON`);
  }
  checkFilterObject(filter, field);
  return filter as { [key: string]: Json };
}
