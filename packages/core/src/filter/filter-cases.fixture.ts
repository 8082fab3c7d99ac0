/**
 * One event and filters that must (or must not) match it: every operator,
 * both ways. The unit tests run them through compileFilter, the fan-out
 * tests through the real fan-out (SQL), so the two evaluators cannot drift.
 */
export const FILTER_EVENT = {
  type: 'CARD.FILTERED',
  resource: {
    status: 'paid',
    amount: 50,
    currency: 'EUR',
    note: null,
    customer: { country: 'DE', name: 'Zoë' },
    items: [{ sku: 'A1' }, { sku: 'B2' }],
    flags: { vip: true },
  },
  changed_fields: { status: 'pending' },
};

export interface FilterCase {
  name: string;
  filter: Record<string, unknown>;
  matches: boolean;
}

export const FILTER_CASES: FilterCase[] = [
  { name: 'literal equality', filter: { 'resource.status': 'paid' }, matches: true },
  { name: 'literal inequality', filter: { 'resource.status': 'refunded' }, matches: false },
  { name: 'type literal', filter: { type: 'CARD.FILTERED' }, matches: true },
  { name: 'object literal', filter: { 'resource.flags': { vip: true } }, matches: true },
  { name: 'null literal on null', filter: { 'resource.note': null }, matches: true },
  { name: 'null literal on missing', filter: { 'resource.nope': null }, matches: false },
  { name: '$eq number', filter: { 'resource.amount': { $eq: 50 } }, matches: true },
  { name: '$eq wrong type', filter: { 'resource.amount': { $eq: '50' } }, matches: false },
  { name: '$eq missing', filter: { 'resource.nope': { $eq: 1 } }, matches: false },
  { name: '$ne different', filter: { 'resource.status': { $ne: 'refunded' } }, matches: true },
  { name: '$ne same', filter: { 'resource.status': { $ne: 'paid' } }, matches: false },
  { name: '$ne missing', filter: { 'resource.nope': { $ne: 'x' } }, matches: true },
  { name: '$in hit', filter: { 'resource.currency': { $in: ['USD', 'EUR'] } }, matches: true },
  { name: '$in miss', filter: { 'resource.currency': { $in: ['USD', 'GBP'] } }, matches: false },
  { name: '$in missing', filter: { 'resource.nope': { $in: ['USD'] } }, matches: false },
  { name: '$nin miss', filter: { 'resource.currency': { $nin: ['USD', 'GBP'] } }, matches: true },
  { name: '$nin hit', filter: { 'resource.currency': { $nin: ['EUR'] } }, matches: false },
  { name: '$nin missing', filter: { 'resource.nope': { $nin: ['EUR'] } }, matches: true },
  { name: '$gt true', filter: { 'resource.amount': { $gt: 49.5 } }, matches: true },
  { name: '$gt false (equal)', filter: { 'resource.amount': { $gt: 50 } }, matches: false },
  { name: '$gte true (equal)', filter: { 'resource.amount': { $gte: 50 } }, matches: true },
  { name: '$gte false', filter: { 'resource.amount': { $gte: 51 } }, matches: false },
  { name: '$lt true', filter: { 'resource.amount': { $lt: 100 } }, matches: true },
  { name: '$lt false', filter: { 'resource.amount': { $lt: 10 } }, matches: false },
  { name: '$lte true (equal)', filter: { 'resource.amount': { $lte: 50 } }, matches: true },
  { name: '$lte false', filter: { 'resource.amount': { $lte: 49 } }, matches: false },
  { name: '$gt on strings', filter: { 'resource.status': { $gt: 'a' } }, matches: true },
  { name: '$lt on strings false', filter: { 'resource.status': { $lt: 'a' } }, matches: false },
  { name: '$gt string vs number never matches', filter: { 'resource.amount': { $gt: 'a' } }, matches: false },
  { name: '$gt missing', filter: { 'resource.nope': { $gt: 0 } }, matches: false },
  { name: 'range', filter: { 'resource.amount': { $gte: 10, $lt: 60 } }, matches: true },
  { name: 'range miss', filter: { 'resource.amount': { $gte: 10, $lt: 50 } }, matches: false },
  { name: '$exists true', filter: { 'resource.customer.country': { $exists: true } }, matches: true },
  { name: '$exists true on null value', filter: { 'resource.note': { $exists: true } }, matches: true },
  { name: '$exists true missing', filter: { 'resource.customer.city': { $exists: true } }, matches: false },
  { name: '$exists false missing', filter: { 'resource.customer.city': { $exists: false } }, matches: true },
  { name: '$exists false present', filter: { 'resource.status': { $exists: false } }, matches: false },
  { name: '$prefix hit', filter: { type: { $prefix: 'CARD.' } }, matches: true },
  { name: '$prefix miss', filter: { type: { $prefix: 'ORDER.' } }, matches: false },
  { name: '$prefix on a number', filter: { 'resource.amount': { $prefix: '5' } }, matches: false },
  { name: 'non-ASCII equality', filter: { 'resource.customer.name': 'Zoë' }, matches: true },
  { name: 'array index', filter: { 'resource.items.1.sku': 'B2' }, matches: true },
  { name: 'array index out of range', filter: { 'resource.items.5.sku': { $exists: true } }, matches: false },
  { name: 'changed_fields', filter: { 'changed_fields.status': 'pending' }, matches: true },
  { name: 'changed_fields miss', filter: { 'changed_fields.status': 'paid' }, matches: false },
  { name: 'several keys all match', filter: { 'resource.status': 'paid', 'resource.currency': 'EUR', type: 'CARD.FILTERED' }, matches: true },
  { name: 'several keys one fails', filter: { 'resource.status': 'paid', 'resource.currency': 'USD' }, matches: false },
  { name: '$and all', filter: { $and: [{ 'resource.status': 'paid' }, { 'resource.amount': { $gt: 1 } }] }, matches: true },
  { name: '$and one fails', filter: { $and: [{ 'resource.status': 'paid' }, { 'resource.amount': { $gt: 100 } }] }, matches: false },
  { name: '$or one', filter: { $or: [{ 'resource.status': 'refunded' }, { 'resource.currency': 'EUR' }] }, matches: true },
  { name: '$or none', filter: { $or: [{ 'resource.status': 'refunded' }, { 'resource.currency': 'USD' }] }, matches: false },
  { name: '$not of a miss', filter: { $not: { 'resource.status': 'refunded' } }, matches: true },
  { name: '$not of a hit', filter: { $not: { 'resource.status': 'paid' } }, matches: false },
  { name: 'nested logic', filter: { $or: [{ $and: [{ type: 'X' }] }, { $not: { 'resource.customer.country': { $in: ['FR', 'IT'] } } }] }, matches: true },
  { name: 'empty filter', filter: {}, matches: true },
];
