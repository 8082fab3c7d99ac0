/**
 * What a portal session may call, decided from the route definitions before
 * any body is read:
 * - a route marked `portal: false` (credentials: API keys, portal sessions)
 *   answers 403 to every portal token;
 * - a read-only session gets 403 on every method but GET/HEAD, unless the
 *   route is marked `readsOnly` (a POST that only reads, such as
 *   `:search`). Paths no definition describes count as changes.
 */
import type { RequestHandler } from 'express';
import { ForbiddenError } from '@hookrelay/core';
import type { RequestLocals } from '../context.js';
import type { RouteDefinition } from '../route-definition.js';

interface Matcher {
  method: string;
  pattern: RegExp;
  route: RouteDefinition;
}

/** `/v1/webhooks/{id}:ping` → /^\/v1\/webhooks\/[^/]+:ping\/?$/ */
function pathPattern(openApiPath: string): RegExp {
  const source = openApiPath
    .split(/(\{[A-Za-z0-9_]+\})/)
    .map((part) => (/^\{[A-Za-z0-9_]+\}$/.test(part) ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  // Express routes ignore case and a trailing slash: so does this
  return new RegExp(`^${source}/?$`, 'i');
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function portalGuard(routes: readonly RouteDefinition[]): RequestHandler {
  const matchers: Matcher[] = routes.flatMap((route) =>
    [route.path, ...(route.aliases ?? [])].map((path) => ({ method: route.method.toUpperCase(), pattern: pathPattern(path), route })),
  );
  return (req, _res, next) => {
    const principal = (_res.locals as RequestLocals).principal;
    if (!principal || principal.isAdmin || !principal.portal) return next();
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    // baseUrl + path: after the app decoded `%3A` into the `:verb` colon, as routing sees it
    const path = `${req.baseUrl}${req.path}`;
    const route = matchers.find((m) => m.method === method && m.pattern.test(path))?.route;
    if (route?.portal === false) throw new ForbiddenError('A portal session cannot do this (it may not create portal sessions or manage API keys)');
    if (principal.portal.readOnly && !READ_METHODS.has(req.method) && !route?.readsOnly) {
      throw new ForbiddenError('This portal session is read-only');
    }
    next();
  };
}
