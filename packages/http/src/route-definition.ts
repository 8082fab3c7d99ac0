/**
 * A route is declared once — method, OpenAPI path, schemas, responses and
 * handler — and `mountRoutes` both mounts it on Express and registers it in
 * the OpenAPI document, so the document describes exactly the routes that exist.
 */
import type { Request, Response, Router } from 'express';
import type { OpenApiBuilder, OperationSpec } from './openapi/builder.js';

export interface RouteDefinition extends OperationSpec {
  /** further OpenAPI-style paths served by the same handler (documented too) */
  aliases?: string[];
  /**
   * a POST (or other non-GET) that changes nothing, such as a search or a
   * dry run: a read-only portal session may call it. Unmarked non-GET
   * routes are changes (see middleware/portal-guard.ts).
   */
  readsOnly?: boolean;
  /** false: portal sessions get 403 (routes that mint or manage credentials) */
  portal?: boolean;
  handler: (req: Request, res: Response) => Promise<void> | void;
}

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
    const { handler, aliases = [], readsOnly: _readsOnly, portal: _portal, ...spec } = route;
    for (const path of [spec.path, ...aliases]) {
      router[spec.method](toExpressPath(path), handler);
      openapi.addOperation({ ...spec, path });
    }
  }
  return router;
}
