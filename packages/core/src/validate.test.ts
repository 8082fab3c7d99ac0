import Joi from 'joi';
import { ValidationError } from './errors.js';
import { validate } from './validate.js';

const schema = Joi.object({ name: Joi.string(), meta: Joi.object().unknown(true) });

test('null characters anywhere are rejected with their path', () => {
  try {
    validate(schema, { name: 'a\u0000', meta: { list: ['ok', 'b\u0000'], 'k\u0000': 1 } });
    throw new Error('expected a ValidationError');
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).errors?.map((e) => e.field)).toEqual(['name', 'meta.list.1', 'meta.k\u0000']);
  }
});

test('valid input passes through', () => {
  expect(validate(schema, { name: 'x' })).toEqual({ name: 'x' });
});
