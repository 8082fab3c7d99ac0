import type Joi from 'joi';
import { ValidationError, type FieldError } from './errors.js';

/** Paths of strings (keys or values) holding U+0000, which Postgres text and jsonb cannot store. */
function nullBytePaths(value: unknown, path: string[] = [], found: FieldError[] = [], depth = 0): FieldError[] {
  if (depth > 64 || found.length >= 10) return found;
  if (typeof value === 'string') {
    if (value.includes('\u0000')) found.push({ field: path.join('.') || 'value', message: `"${path.join('.') || 'value'}" must not contain null characters` });
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => nullBytePaths(item, [...path, String(i)], found, depth + 1));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const field = [...path, key];
      if (key.includes('\u0000')) found.push({ field: field.join('.'), message: 'keys must not contain null characters' });
      nullBytePaths(item, field, found, depth + 1);
    }
  }
  return found;
}

/** Validates `input` against `schema`; every problem is reported with the field it concerns. */
export function validate<T>(schema: Joi.Schema, input: unknown, what = 'request body'): T {
  const nulls = nullBytePaths(input);
  if (nulls.length) throw new ValidationError(`Invalid ${what}: ${nulls.map((e) => e.message).join('; ')}`, nulls);
  const { value, error } = schema.validate(input, { abortEarly: false, errors: { wrap: { label: '"' } } });
  if (error) {
    const errors = error.details.map((d) => ({
      field: d.path.length ? d.path.join('.') : String(d.context?.key ?? d.context?.label ?? what),
      message: d.message,
    }));
    throw new ValidationError(`Invalid ${what}: ${errors.map((e) => e.message).join('; ')}`, errors);
  }
  return value as T;
}
