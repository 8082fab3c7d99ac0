import { isDependencyUnavailable, ValidationError } from './errors.js';

describe('isDependencyUnavailable', () => {
  test.each([
    ['a refused socket', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['node-postgres losing its connection', new Error('Connection terminated unexpectedly')],
    ['the pool timing out', new Error('timeout exceeded when trying to connect')],
    ['SQLSTATE class 08', Object.assign(new Error('connection failure'), { code: '08006' })],
    ['Postgres shutting down', Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })],
    ['too many connections', Object.assign(new Error('sorry, too many clients already'), { code: '53300' })],
    [
      'Prisma wrapping it',
      Object.assign(new Error('Invalid `prisma.webhook.findMany()` invocation'), { cause: new Error('Connection terminated unexpectedly') }),
    ],
    [
      'an AggregateError of refused addresses',
      Object.assign(new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })], 'connect failed'), {}),
    ],
    ['ioredis giving up', new Error('Reached the max retries per request limit (which is 1). Refer to "maxRetriesPerRequest" option for details.')],
  ])('%s is unavailable', (_label, error) => {
    expect(isDependencyUnavailable(error)).toBe(true);
  });

  test.each([
    ['a unique violation', Object.assign(new Error('duplicate key value'), { code: '23505' })],
    ['a validation error', new ValidationError('bad')],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['not an error', 'ECONNREFUSED'],
    ['null', null],
  ])('%s is not', (_label, error) => {
    expect(isDependencyUnavailable(error)).toBe(false);
  });
});
