import { toExpressPath } from './route-definition.js';

test('OpenAPI templates become Express 5 paths with literal colons escaped', () => {
  expect(toExpressPath('/v1/webhooks/{id}')).toBe('/v1/webhooks/:id');
  expect(toExpressPath('/v1/webhooks/{id}/secret:rotate')).toBe('/v1/webhooks/:id/secret\\:rotate');
  expect(toExpressPath('/v1/webhooks/{id}:ping')).toBe('/v1/webhooks/:id\\:ping');
  expect(toExpressPath('/v1/webhooks:search')).toBe('/v1/webhooks\\:search');
});
