/**
 * Hostile values for webhook `filter`, event-type `schema`, `:test-filter`
 * and the event-type list (issue 17): each must be a 4xx that changes nothing.
 */
import type { AddCase } from './hostile-context.js';

const nest = (depth: number, open: (inner: string) => string, leaf: string) => {
  let text = leaf;
  for (let i = 0; i < depth; i++) text = open(text);
  return text;
};

export function addFilterAndSchemaCases(
  add: AddCase,
  ctx: { tenant: string; webhookId: string; adminKey: string; schemaType: string; eventType: string },
): void {
  const json = { authorization: `Bearer ${ctx.adminKey}`, 'content-type': 'application/json' };
  const create = (filter: string) =>
    `{"tenant":${JSON.stringify(ctx.tenant)},"url":"https://hooks.example.com/f","enabled_events":["*"],"is_enabled":true,"filter":${filter}}`;
  const filters: [string, string][] = [
    ['filter 11 levels of $not', nest(11, (s) => `{"$not":${s}}`, '{"type":"X"}')],
    ['filter 5,000 levels of $and', nest(5000, (s) => `{"$and":[${s}]}`, '{"type":"X"}')],
    ['filter with $regex', '{"resource.name":{"$regex":"^(a+)+$"}}'],
    ['filter with $where', '{"$where":"function(){ while(true){} }"}'],
    ['filter with $expr', '{"$expr":{"$gt":["$resource.a",1]}}'],
    ['filter with __proto__ key', '{"__proto__":{"polluted":true}}'],
    ['filter with a __proto__ path segment', '{"resource.__proto__.polluted":true}'],
    ['filter with constructor.prototype path', '{"resource.constructor.prototype":1}'],
    ['filter with prototype key inside $in', '{"resource.a":{"$in":[{"constructor":{"prototype":1}}]}}'],
    ['filter over 4 KiB', `{"resource.a":{"$in":[${Array.from({ length: 100 }, (_, i) => JSON.stringify('v'.repeat(60) + i)).join(',')}]}}`],
    ['filter $in with 10,000 values', `{"resource.a":{"$in":[${Array.from({ length: 10_000 }, (_, i) => i).join(',')}]}}`],
    ['filter as a string', '"resource.a == 1; DROP TABLE webhooks"'],
    ['filter as an array', '[{"type":"X"}]'],
    ['filter $exists as a string', '{"resource.a":{"$exists":"true"}}'],
    ['filter $gt with an object', '{"resource.a":{"$gt":{"$numberLong":"1"}}}'],
    ['filter $prefix with a number', '{"type":{"$prefix":1}}'],
    ['filter $and not an array', '{"$and":{"type":"X"}}'],
    ['filter empty $or', '{"$or":[]}'],
    ['filter operators mixed with keys', '{"resource.a":{"$eq":1,"b":2}}'],
    ['filter path outside the event', '{"metadata.secret":{"$exists":true}}'],
    ['filter path with an empty segment', '{"resource..a":1}'],
    ['filter with 1e400', '{"resource.a":{"$gt":1e400}}'],
    ['filter with a NUL in a path', '{"resource.a\\u0000":1}'],
    ['filter with a lone surrogate operand', '{"resource.a":"\\ud800"}'],
  ];
  for (const [name, filter] of filters) {
    add('POST /v1/webhooks', name, { method: 'POST', path: '/v1/webhooks', headers: json, body: create(filter) }, [400]);
  }
  for (const [name, filter] of filters.slice(0, 8)) {
    add('PATCH /v1/webhooks/{id}', name, { method: 'PATCH', path: `/v1/webhooks/${ctx.webhookId}`, headers: json, body: `{"filter":${filter}}` }, [400]);
  }

  const schemaBody = (schema: string) => `{"tenant":${JSON.stringify(ctx.tenant)},"name":"HOSTILE.SCHEMA_NEW","schema":${schema}}`;
  const schemas: [string, string][] = [
    ['schema over 64 KiB', JSON.stringify({ type: 'object', description: 'x'.repeat(200 * 1024) })],
    [
      'schema with 3,000 properties (over 64 KiB)',
      JSON.stringify({ type: 'object', properties: Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`p${i}`, { type: 'string', minLength: i }])) }),
    ],
    ['schema with a remote $ref', '{"$ref":"http://169.254.169.254/latest/meta-data/"}'],
    ['schema with a file $ref', '{"$ref":"file:///etc/passwd"}'],
    ['schema with a catastrophic pattern', '{"type":"string","pattern":"^(a+)+$"}'],
    ['schema with a catastrophic patternProperties', '{"type":"object","patternProperties":{"^(\\\\w+\\\\s?)*$":{}}}'],
    ['schema with an unknown keyword', '{"type":"object","$where":"1"}'],
    ['schema with an invalid type', '{"type":"integer-ish"}'],
    ['schema with __proto__', '{"type":"object","properties":{"__proto__":{"type":"string"}}}'],
    ['schema with 1e400', '{"type":"number","maximum":1e400}'],
    ['schema as a string', '"{\\"type\\":\\"object\\"}"'],
    ['schema as an array', '[{"type":"object"}]'],
    ['schema 10,000 levels deep', nest(10_000, (s) => `{"items":${s}}`, '{}')],
    ['schema with an unresolvable $ref', '{"$ref":"#/$defs/nope"}'],
  ];
  for (const [name, schema] of schemas) {
    add('POST /v1/event-types', name, { method: 'POST', path: '/v1/event-types', headers: json, body: schemaBody(schema) }, [400]);
  }
  for (const [name, schema] of schemas.slice(0, 7)) {
    add(
      'PUT /v1/event-types/{name}',
      name,
      { method: 'PUT', path: `/v1/event-types/${ctx.schemaType}`, headers: json, body: `{"tenant":${JSON.stringify(ctx.tenant)},"schema":${schema}}` },
      [400],
    );
  }
  add(
    'PUT /v1/event-types/{name}',
    'a built-in type',
    { method: 'PUT', path: '/v1/event-types/CARD.CREATED', headers: json, body: `{"tenant":${JSON.stringify(ctx.tenant)},"description":"x"}` },
    [409],
  );
  add(
    'PUT /v1/event-types/{name}',
    'a wildcard name',
    { method: 'PUT', path: '/v1/event-types/CARD.*', headers: json, body: `{"tenant":${JSON.stringify(ctx.tenant)},"description":"x"}` },
    [400],
  );
  add(
    'PUT /v1/event-types/{name}',
    'a traversal name',
    { method: 'PUT', path: '/v1/event-types/..%2F..%2Fadmin', headers: json, body: `{"tenant":${JSON.stringify(ctx.tenant)},"description":"x"}` },
    [400, 404],
  );
  add(
    'PUT /v1/event-types/{name}',
    'no field to change',
    { method: 'PUT', path: `/v1/event-types/${ctx.schemaType}`, headers: json, body: `{"tenant":${JSON.stringify(ctx.tenant)}}` },
    [400],
  );

  const event = (resource: string) => `{"tenant":${JSON.stringify(ctx.tenant)},"type":${JSON.stringify(ctx.schemaType)},"resource":${resource}}`;
  for (const [name, resource] of [
    ['resource refused by its schema', '{"id":"not a number"}'],
    ['resource refused by its schema (JSON string)', JSON.stringify('{"nope":1}')],
    ['resource with a __proto__ key against a schema', '{"__proto__":{"id":1}}'],
  ] as const) {
    add('POST /v1/events', name, { method: 'POST', path: '/v1/events', headers: json, body: event(resource) }, [400]);
  }

  const testFilter = `/v1/webhooks/${ctx.webhookId}:test-filter`;
  for (const [name, body] of [
    ['test-filter without event', '{}'],
    ['test-filter with an event missing resource', `{"event":{"type":${JSON.stringify(ctx.eventType)}}}`],
    ['test-filter with an unknown type', '{"event":{"type":"NO.SUCH.TYPE","resource":{}}}'],
    ['test-filter with a wildcard type', '{"event":{"type":"CARD.*","resource":{}}}'],
    ['test-filter with an invalid JSON string resource', `{"event":{"type":${JSON.stringify(ctx.eventType)},"resource":"{oops"}}`],
    ['test-filter with an unknown event field', `{"event":{"type":${JSON.stringify(ctx.eventType)},"resource":{},"filter":{"$where":1}}}`],
    ['test-filter with a __proto__ event', '{"event":{"__proto__":{"type":"X"}}}'],
    ['test-filter event 10,000 levels deep', `{"event":{"type":${JSON.stringify(ctx.eventType)},"resource":${nest(10_000, (s) => `{"a":${s}}`, '1')}}}`],
  ] as const) {
    add('POST /v1/webhooks/{id}:test-filter', name, { method: 'POST', path: testFilter, headers: json, body }, [400]);
  }

  for (const [name, query] of [
    ['limit=0', 'limit=0'],
    ['limit=101', 'limit=101'],
    ['limit=1e400', 'limit=1e400'],
    ['repeated limit', 'limit=1&limit=2'],
    ['garbage page_token', 'page_token=%27%20OR%201%3D1'],
    ['page_token with an unknown section', `page_token=${Buffer.from(JSON.stringify(['x', 'CARD.CREATED'])).toString('base64url')}`],
    ['page_token that is a JSON object', `page_token=${Buffer.from('{"__proto__":{"a":1}}').toString('base64url')}`],
    ['page_token with a 10 KB name', `page_token=${Buffer.from(JSON.stringify(['c', 'A'.repeat(300)])).toString('base64url')}`],
  ] as const) {
    add(
      'GET /v1/event-types',
      `query: ${name}`,
      { method: 'GET', path: `/v1/event-types?${query}`, headers: { authorization: `Bearer ${ctx.adminKey}` } },
      [400],
    );
  }
}
