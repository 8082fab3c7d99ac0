/**
 * mountRoutes over real HTTP: what reaches a handler has been validated,
 * its tenant resolved, and what it returns is sent as it said.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { Router } from 'express';
import { createEventTypeSchema, createLogger, eventTypePathSchema, tenantQuery } from '@hookrelay/core';
import type { Principal } from './services/auth.js';
import { problemMapper } from './middleware/problem.js';
import { mountRoutes, toExpressPath } from './mount-routes.js';
import { OpenApiBuilder } from './openapi/builder.js';
import { route, validated, type RouteCall, type RouteDefinition, type Tenanted } from './route-definition.js';

const ADMIN: Principal = { isAdmin: true, tenant: null, keyId: null };
const TENANT_KEY: Principal = { isAdmin: false, tenant: 'acme', keyId: 'k1' };

const calls: RouteCall[] = [];
const seen = (call: RouteCall) => {
  calls.push(call);
  return { status: 201, headers: { 'x-seen': 'yes' }, body: { input: call.input, tenant: call.tenant } };
};

const routes: RouteDefinition[] = [
  route({
    method: 'post',
    path: '/v1/types/{name}',
    summary: 'acting',
    responses: {},
    params: validated<{ name: string }>(eventTypePathSchema),
    body: validated<Tenanted<{ name: string; description?: string }>>(createEventTypeSchema),
    query: validated<Tenanted>(tenantQuery),
    tenant: 'acting',
    handler: seen,
  }),
  route({ method: 'get', path: '/v1/things/{id}', summary: 'lookup', responses: {}, query: validated<Tenanted>(tenantQuery), tenant: 'lookup', handler: seen }),
  route({
    method: 'post',
    path: '/v1/admin',
    summary: 'admin',
    responses: {},
    adminOnly: true,
    body: validated<Tenanted>(tenantQuery),
    tenant: 'acting',
    handler: seen,
  }),
  route({
    method: 'get',
    path: '/v1/text',
    summary: 'text',
    responses: {},
    tenant: 'lookup',
    handler: () => ({ headers: { 'content-type': 'text/plain' }, body: 'plain' }),
  }),
];

let server: Server;
let base: string;
let principal: Principal = ADMIN;
const openapi = new OpenApiBuilder({ title: 'test', version: '0' });

beforeAll(async () => {
  const app = express();
  app.use(express.json(), (_req, res, next) => {
    res.locals.principal = principal;
    next();
  });
  app.use(mountRoutes(Router(), routes, openapi));
  app.use(problemMapper(createLogger({ level: 'silent', pretty: false })));
  server = app.listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

beforeEach(() => {
  calls.length = 0;
  principal = ADMIN;
});

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

test('the handler gets parsed input without `tenant`, the tenant the body named, and its reply is sent', async () => {
  const res = await call('POST', '/v1/types/CARD.X?tenant=other', { tenant: 'acme', name: 'CARD.X' });
  expect(res.status).toBe(201);
  expect(res.headers.get('x-seen')).toBe('yes');
  expect(JSON.parse(res.text)).toEqual({ input: { params: { name: 'CARD.X' }, body: { name: 'CARD.X' }, query: {} }, tenant: 'acme' });
});

test('invalid path, body or query: a 400 problem naming the part, and no handler call', async () => {
  const path = await call('POST', '/v1/types/no%20spaces', { name: 'CARD.X' });
  expect(path.status).toBe(400);
  expect(JSON.parse(path.text).detail).toMatch(/^Invalid path: "name"/);
  const body = await call('POST', '/v1/types/CARD.X', { name: 'CARD.X', extra: 1 });
  expect(JSON.parse(body.text)).toMatchObject({ status: 400, errors: [{ field: 'extra' }] });
  // the query is read even when the body names the tenant
  const query = await call('POST', '/v1/types/CARD.X?tenant=bad!', { tenant: 'acme', name: 'CARD.X' });
  expect(JSON.parse(query.text)).toMatchObject({ status: 400, detail: expect.stringMatching(/^Invalid query/) });
  expect(calls).toHaveLength(0);
});

test('tenant rules: acting defaults the admin to `default`, lookup leaves it open, a tenant key keeps to its own', async () => {
  expect(JSON.parse((await call('POST', '/v1/types/CARD.X', { name: 'CARD.X' })).text).tenant).toBe('default');
  expect(JSON.parse((await call('GET', '/v1/things/1')).text).tenant).toBeNull();
  principal = TENANT_KEY;
  expect(JSON.parse((await call('GET', '/v1/things/1')).text).tenant).toBe('acme');
  expect((await call('GET', '/v1/things/1?tenant=other')).status).toBe(403);
});

test('adminOnly refuses a tenant key before its body is read', async () => {
  principal = TENANT_KEY;
  const res = await call('POST', '/v1/admin', { not: 'valid' });
  expect(res.status).toBe(403);
  expect(calls).toHaveLength(0);
});

test('a string body is sent as it is, with the content type given', async () => {
  const res = await call('GET', '/v1/text');
  expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
  expect(res.text).toBe('plain');
});

test('path parameters with a schema are documented with it', () => {
  const params = (openapi.document().paths as Record<string, Record<string, { parameters: { name: string; schema: Record<string, unknown> }[] }>>)[
    '/v1/types/{name}'
  ].post.parameters;
  expect(params[0]).toMatchObject({ name: 'name', schema: { type: 'string', maxLength: 128 } });
});

test('OpenAPI templates become Express 5 paths with literal colons escaped', () => {
  expect(toExpressPath('/v1/webhooks/{id}')).toBe('/v1/webhooks/:id');
  expect(toExpressPath('/v1/webhooks/{id}/secret:rotate')).toBe('/v1/webhooks/:id/secret\\:rotate');
  expect(toExpressPath('/v1/webhooks/{id}:ping')).toBe('/v1/webhooks/:id\\:ping');
  expect(toExpressPath('/v1/webhooks:search')).toBe('/v1/webhooks\\:search');
});
