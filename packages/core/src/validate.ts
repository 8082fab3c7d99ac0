import type Joi from 'joi';
import { ValidationError, type FieldError } from './errors.js';

/** Objects and arrays nested deeper than this are refused (JSON.parse takes any depth; the code after it does not). */
export const MAX_JSON_DEPTH = 64;

/** A UTF-16 surrogate with no partner: it has no UTF-8 form, so Postgres cannot store it as given. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * What no schema catches because it may hide anywhere in a value (keys
 * included): strings holding U+0000 (Postgres text and jsonb cannot store
 * it) or a lone surrogate, `__proto__` keys (which joi silently drops),
 * numbers JSON overflowed to Infinity (1e400), and nesting deeper than
 * MAX_JSON_DEPTH. Each problem is reported with its path.
 */
function unsafeValuePaths(value: unknown, path: string[] = [], found: FieldError[] = [], depth = 0): FieldError[] {
  // field names are built only for a problem: this walks every value of every request
  const fieldOf = (p: string[]) => p.join('.') || 'value';
  if (found.length >= 10) return found;
  if (typeof value === 'string') {
    if (value.includes('\u0000')) found.push({ field: fieldOf(path), message: `"${fieldOf(path)}" must not contain null characters` });
    else if (LONE_SURROGATE.test(value))
      found.push({ field: fieldOf(path), message: `"${fieldOf(path)}" must be valid Unicode (it holds an unpaired surrogate)` });
  } else if (typeof value === 'number') {
    if (!Number.isFinite(value)) found.push({ field: fieldOf(path), message: `"${fieldOf(path)}" must be a finite number` });
  } else if (value !== null && typeof value === 'object') {
    if (depth >= MAX_JSON_DEPTH) {
      found.push({ field: fieldOf(path), message: `"${fieldOf(path)}" is nested too deeply (at most ${MAX_JSON_DEPTH} levels)` });
    } else if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        path.push(String(i));
        unsafeValuePaths(value[i], path, found, depth + 1);
        path.pop();
      }
    } else {
      for (const key of Object.keys(value)) {
        path.push(key);
        if (key.includes('\u0000')) found.push({ field: fieldOf(path), message: 'keys must not contain null characters' });
        else if (LONE_SURROGATE.test(key)) found.push({ field: fieldOf(path), message: 'keys must be valid Unicode (no unpaired surrogates)' });
        else if (key === '__proto__') found.push({ field: fieldOf(path), message: '"__proto__" is not allowed as a key' });
        unsafeValuePaths((value as Record<string, unknown>)[key], path, found, depth + 1);
        path.pop();
      }
    }
  }
  return found;
}

const VALIDATION_PREFERENCES: Joi.ValidationOptions = { abortEarly: false, errors: { wrap: { label: '"' } } };
/** Each schema with our preferences applied once: joi merges options passed to validate() on every call. */
const prepared = new WeakMap<Joi.Schema, Joi.Schema>();

function withPreferences(schema: Joi.Schema): Joi.Schema {
  let ready = prepared.get(schema);
  if (!ready) {
    ready = schema.prefs(VALIDATION_PREFERENCES);
    prepared.set(schema, ready);
  }
  return ready;
}

/** Validates `input` against `schema`; every problem is reported with the field it concerns. */
export function validate<T>(schema: Joi.Schema, input: unknown, what = 'request body'): T {
  const unsafe = unsafeValuePaths(input);
  if (unsafe.length) throw new ValidationError(`Invalid ${what}: ${unsafe.map((e) => e.message).join('; ')}`, unsafe);
  const { value, error } = withPreferences(schema).validate(input);
  if (error) {
    const errors = error.details.map((d) => ({
      field: d.path.length ? d.path.join('.') : String(d.context?.key ?? d.context?.label ?? what),
      message: d.message,
    }));
    throw new ValidationError(`Invalid ${what}: ${errors.map((e) => e.message).join('; ')}`, errors);
  }
  return value as T;
}
