import { FILTER_CASES, FILTER_EVENT } from './filter-cases.fixture.js';
import { compileFilter, filterDocument, FilterError, MAX_FILTER_BYTES } from './index.js';

const doc = filterDocument({ ...FILTER_EVENT, resource: JSON.stringify(FILTER_EVENT.resource) });

describe('filter matching', () => {
  it.each(FILTER_CASES)('$name', ({ filter, matches }) => {
    const outcome = compileFilter(filter).test(doc);
    expect(outcome.matches).toBe(matches);
    expect(compileFilter(filter).matches(doc)).toBe(matches);
    expect(outcome.reason.length).toBeGreaterThan(0);
  });

  it('explains which clause failed', () => {
    const outcome = compileFilter({ 'resource.status': 'paid', 'resource.amount': { $gt: 100 } }).test(doc);
    expect(outcome).toEqual({ matches: false, reason: 'resource.amount is 50, which does not satisfy $gt 100' });
  });

  it('treats unparsable JSON text as null', () => {
    const broken = filterDocument({ type: 'T', resource: '{not json' });
    expect(compileFilter({ 'resource.a': { $exists: false } }).test(broken).matches).toBe(true);
    expect(compileFilter({ resource: null }).test(broken).matches).toBe(true);
  });
});

describe('invalid filters', () => {
  const invalid: [string, unknown, RegExp][] = [
    ['not an object', [1], /filter must be an object/],
    ['unknown operator', { 'resource.a': { $regex: '.*' } }, /filter\.resource\.a\.\$regex is not a known operator/],
    ['unknown logical operator', { $where: 'sleep(1)' }, /filter\.\$where is not a known operator/],
    ['operators mixed with keys', { 'resource.a': { $eq: 1, b: 2 } }, /mixes operators/],
    ['$in not an array', { 'resource.a': { $in: 'x' } }, /\$in must be an array/],
    ['$gt with an object', { 'resource.a': { $gt: {} } }, /\$gt must be a number or a string/],
    ['$exists not boolean', { 'resource.a': { $exists: 1 } }, /\$exists must be true or false/],
    ['$prefix not a string', { type: { $prefix: 1 } }, /\$prefix must be a string/],
    ['empty $or', { $or: [] }, /\$or must be a non-empty array/],
    ['$not with an array', { $not: [{ type: 'X' }] }, /\$not must be an object/],
    ['unknown root', { 'metadata.a': 1 }, /must start with one of type, resource, changed_fields/],
    ['empty segment', { 'resource..a': 1 }, /empty segment/],
    ['__proto__ key', JSON.parse('{"__proto__": {"x": 1}}'), /reserved key/],
    ['constructor segment', { 'resource.constructor': 1 }, /reserved key/],
    ['prototype in a literal', { 'resource.a': { $eq: { prototype: 1 } } }, /reserved key/],
    ['too deep', { $not: { $not: { $not: { $not: { $not: { $not: { $not: { $not: { $not: { $not: { type: 'X' } } } } } } } } } } }, /nested too deep/],
    ['too large', { 'resource.a': { $in: Array.from({ length: 100 }, (_, i) => 'x'.repeat(50) + i) } }, new RegExp(`at most ${MAX_FILTER_BYTES} bytes`)],
    ['too many $in values', { 'resource.a': { $in: Array.from({ length: 101 }, (_, i) => i) } }, /at most 100 values/],
  ];
  it.each(invalid)('%s', (_name, filter, message) => {
    let error: unknown;
    try {
      compileFilter(filter);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FilterError);
    expect((error as FilterError).status).toBe(400);
    expect((error as FilterError).errors?.[0]?.message).toMatch(message);
  });

  it('survives hostile nesting without recursion', () => {
    let deep: unknown = { type: 'X' };
    for (let i = 0; i < 100_000; i++) deep = { $not: deep };
    expect(() => compileFilter(deep)).toThrow(FilterError);
  });
});
