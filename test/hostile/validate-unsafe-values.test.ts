/** The input checks `validate` runs before any schema (packages/core/src/validate.ts). */
import { MAX_JSON_DEPTH, updateWebhookSchema as schema, ValidationError, validate } from '@hookrelay/core';

function fieldsOf(input: unknown): string[] {
  try {
    validate(schema, input);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return ((error as ValidationError).errors ?? []).map((e) => e.field);
  }
  return [];
}

const nest = (depth: number): unknown => (depth === 0 ? 1 : { a: nest(depth - 1) });

test.each([
  ['a lone high surrogate', { description: 'x\ud800' }, ['description']],
  ['a lone low surrogate in a nested key', { metadata: { ok: { '\udc00': 1 } } }, ['metadata.ok.\udc00']],
  ['a __proto__ key', JSON.parse('{"metadata":{"__proto__":{"x":1}}}'), ['metadata.__proto__']],
  ['Infinity from 1e400', JSON.parse('{"metadata":{"n":[1e400]}}'), ['metadata.n.0']],
  ['-Infinity', { metadata: { n: -Infinity } }, ['metadata.n']],
  ['nesting beyond the limit', { metadata: nest(MAX_JSON_DEPTH + 5) }, [['metadata', ...Array(MAX_JSON_DEPTH - 1).fill('a')].join('.')]],
  [
    'a NUL byte below the old depth cap',
    { metadata: { deep: JSON.parse('{"a":'.repeat(50) + '"\\u0000"' + '}'.repeat(50)) } },
    [['metadata', 'deep', ...Array(50).fill('a')].join('.')],
  ],
])('%s is refused with its path', (_label, input, fields) => {
  expect(fieldsOf(input)).toEqual(fields);
});

test.each([
  ['paired surrogates (emoji)', { description: 'ok 🎉', metadata: { '🎉': '𝄞' } }],
  ['-0 and large finite numbers', { metadata: { n: [-0, 1.7976931348623157e308, 2 ** 64] } }],
  ['nesting at the limit', { metadata: nest(MAX_JSON_DEPTH - 2) }],
  ['constructor and prototype keys inside free-form values', { metadata: { constructor: 1, prototype: 2 } }],
])('%s pass', (_label, input) => {
  expect(fieldsOf(input)).toEqual([]);
});
