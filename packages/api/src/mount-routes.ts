/**
 * Mounts route definitions on a router and registers them in the OpenAPI
 * document. For every request, in this order: admin-only check, path,
 * body and query validated against the route's schemas (400 naming the
 * field), the tenant resolved from what they name (403), the tenant noted
 * for the request log; then the handler, whose reply is sent here.
 */
import type { Request, RequestHandler, Response, Router } from 'express';
import { actingTenant, lookupTenant, requireAdmin } from './services/auth.js';
import { noteTenant, principalOf } from './context.js';
import type { OpenApiBuilder } from './openapi/builder.js';
import type { Reply, RequestPart, RouteCall, RouteDefinition } from './route-definition.js';

/**
 * `/v1/webhooks/{id}/secret:rotate` → `/v1/webhooks/:id/secret\:rotate`.
 * path-to-regexp v8 reads a bare `:` as a parameter marker, so literal colons
 * (the reference's `:ping`, `:search` style) are escaped.
 */
export function toExpressPath(openApiPath: string): string {
  return openApiPath.replace(/:/g, '\\:').replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
}

export function mountRoutes(router: Router, routes: readonly RouteDefinition[], openapi: OpenApiBuilder): Router {
  for (const route of routes) {
    const handler = handle(route);
    for (const path of [route.path, ...(route.aliases ?? [])]) {
      router[route.method](toExpressPath(path), handler);
      openapi.addOperation({
        method: route.method,
        path,
        summary: route.summary,
        description: route.description,
        tags: route.tags,
        public: route.public,
        body: route.body?.schema,
        bodyRequired: route.bodyRequired,
        bodyLimitBytes: route.bodyLimitBytes,
        query: route.query?.schema,
        params: route.params?.schema,
        responses: route.responses,
      });
    }
  }
  return router;
}

function handle(route: RouteDefinition): RequestHandler {
  const emptyQuery = route.query ? memoizedEmptyQuery(route.query) : undefined;
  return async (req, res) => {
    const call = route.public ? publicCall(route, req) : apiCall(route, req, res, emptyQuery);
    send(req, res, await route.handler(call));
  };
}

/**
 * A request without a query string (nearly every POST) has the same
 * validated query every time: it is read once per route, and each request
 * gets a copy of it (query schemas are flat). A schema that refuses an
 * empty query is asked every time, so the error is its own.
 */
function memoizedEmptyQuery(part: RequestPart<unknown>): () => unknown {
  let read: { value: unknown } | null | undefined;
  return () => {
    if (read === undefined) {
      try {
        read = { value: part.read({}, 'query') };
      } catch {
        read = null;
      }
    }
    if (read === null) return part.read({}, 'query');
    return isRecord(read.value) ? { ...read.value } : read.value;
  };
}

function publicCall(route: RouteDefinition, req: Request): RouteCall {
  return { input: { body: undefined, query: undefined, params: readParams(route, req) }, req };
}

function apiCall(route: RouteDefinition, req: Request, res: Response, emptyQuery?: () => unknown): RouteCall {
  const principal = principalOf(res);
  if (route.adminOnly) requireAdmin(principal);
  const params = readParams(route, req);
  // the body as sent, or {} without one: its schema decides whether one was needed
  const body = route.body?.read(req.body ?? {}, 'request body');
  const query = emptyQuery && !req.url.includes('?') ? emptyQuery() : route.query?.read(req.query, 'query');
  const requested = namedTenant(body) ?? namedTenant(query);
  const input = { body: withoutTenant(body), query: withoutTenant(query), params };
  const scope = typeof route.tenant === 'function' ? route.tenant(input.body) : route.tenant;
  const tenant = scope === 'lookup' ? lookupTenant(principal, requested) : actingTenant(principal, requested);
  noteTenant(res, tenant);
  return { input, principal, tenant, req };
}

function readParams(route: RouteDefinition, req: Request): unknown {
  return route.params ? route.params.read({ ...req.params }, 'path') : { ...req.params };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validated already: a `tenant` field holds a tenant id. */
function namedTenant(part: unknown): string | undefined {
  return isRecord(part) && typeof part.tenant === 'string' ? part.tenant : undefined;
}

function withoutTenant(part: unknown): unknown {
  if (!isRecord(part) || !('tenant' in part)) return part;
  const { tenant: _tenant, ...rest } = part;
  return rest;
}

/** Statuses whose answer Express reshapes (no body, or none allowed): left to res.json. */
const RESHAPED = new Set([204, 205, 304]);

function send(req: Request, res: Response, reply: Reply): void {
  res.status(reply.status ?? 200);
  if (reply.headers) res.set(reply.headers);
  if (reply.body === undefined) res.end();
  else if (typeof reply.body === 'string' || Buffer.isBuffer(reply.body)) res.send(reply.body);
  else if (req.method === 'GET' || req.method === 'HEAD' || RESHAPED.has(res.statusCode) || res.hasHeader('content-type')) res.json(reply.body);
  else {
    // what res.json would write for a POST/PUT/PATCH/DELETE answer (no freshness check applies, ETags are off), without its machinery
    const json = JSON.stringify(reply.body);
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Content-Length', Buffer.byteLength(json));
    res.end(json);
  }
}
