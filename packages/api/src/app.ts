/**
 * The Express app of the management API.
 *
 * Other resources (events, notifications, ping, sendexpired, search,
 * metrics) plug in as `routes` (RouteDefinition[], see route-definition.ts)
 * rather than by editing this file: each is mounted, validated, documented
 * in /openapi.json and /docs, and its path answers 405 to other methods.
 * `publicRoute`s skip auth (none may live under /v1); the others live
 * under /v1 and get bearer auth and the JSON body parser. Extra routes are mounted before the built-in
 * ones, so a literal path like `/v1/webhooks/sendexpired` wins over
 * `/v1/webhooks/{id}`.
 */
import express, { type Express, type RequestHandler } from 'express';
import type { Logger } from '@hookrelay/core';
import type { ApiKeyService } from './services/api-key-service.js';
import type { AuthService } from './services/auth.js';
import type { EventTypeService } from './services/event-type-service.js';
import type { Metrics } from '@hookrelay/delivery';
import type { WebhookService } from './services/webhook-service.js';
import { authenticate } from './middleware/authenticate.js';
import { parseJsonBodyWithLimits, requireJsonContentType } from './middleware/json-body.js';
import { portalGuard } from './middleware/portal-guard.js';
import { notFound } from './middleware/not-found.js';
import { problemMapper } from './middleware/problem.js';
import { requestLogger } from './middleware/request-logger.js';
import { RequestMetrics } from './middleware/request-metrics.js';
import { series } from './middleware/series.js';
import { mountRoutes } from './mount-routes.js';
import { createOpenApiBuilder } from './openapi/document.js';
import type { RouteDefinition } from './route-definition.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { docsRoutes } from './routes/docs.js';
import { eventTypeRoutes } from './routes/event-types.js';
import { healthRoutes, type ReadinessCheck } from './routes/health.js';
import { webhookRoutes } from './routes/webhooks.js';

export interface AppServices {
  auth: AuthService;
  webhooks: WebhookService;
  apiKeys: ApiKeyService;
  eventTypes: EventTypeService;
}

export interface AppDeps {
  services: AppServices;
  logger: Logger;
  readiness: ReadinessCheck;
  /** more routes; see the comment at the top of this file */
  routes?: RouteDefinition[];
  /** request counts and latencies are recorded here when given */
  metrics?: Metrics;
}

/**
 * Some clients percent-encode the reference's `:verb` suffixes (`secret%3Arotate`);
 * routing sees the literal colon either way. Ids never contain colons.
 */
const decodeEncodedColons: RequestHandler = (req, _res, next) => {
  const q = req.url.indexOf('?');
  const path = q === -1 ? req.url : req.url.slice(0, q);
  if (/%3a/i.test(path)) req.url = path.replace(/%3a/gi, ':') + (q === -1 ? '' : req.url.slice(q));
  next();
};

/**
 * `handler` for paths under /v1 (`/v1` itself included, any case), as
 * `app.use('/v1', handler)` would run it, without the router's prefix
 * trim and restore; `req.baseUrl` stays empty, `req.path` is the whole path.
 */
function underV1(handler: RequestHandler): RequestHandler {
  return (req, res, next) => (underV1Path(req.path) ? handler(req, res, next) : next());
}

function underV1Path(path: string): boolean {
  return (path.length === 3 || path[3] === '/') && path.slice(0, 3).toLowerCase() === '/v1';
}

export function createApp(deps: AppDeps): Express {
  const openapi = createOpenApiBuilder();
  const { services } = deps;
  const extra = deps.routes ?? [];
  const builtIn: RouteDefinition[] = [...webhookRoutes(services.webhooks), ...apiKeyRoutes(services.apiKeys), ...eventTypeRoutes(services.eventTypes)];
  const publicRoutes = [...extra.filter((r) => r.public), ...healthRoutes(deps.readiness), ...docsRoutes(openapi)];
  const privateRoutes = [...extra.filter((r) => !r.public), ...builtIn];
  const hidden = publicRoutes.find((r) => [r.path, ...(r.aliases ?? [])].some(underV1Path));
  if (hidden) throw new Error(`public route ${hidden.path} is under /v1, where every request is authenticated`);

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const bodyLimits = new Map(
    privateRoutes.flatMap((r) => (r.bodyLimitBytes ? [r.path, ...(r.aliases ?? [])].map((p) => [p, r.bodyLimitBytes!] as const) : [])),
  );
  // every request's middleware as one layer; the /v1 part cannot meet a public route (none is under /v1)
  const v1 = series(authenticate(services.auth), portalGuard(privateRoutes), requireJsonContentType, parseJsonBodyWithLimits(bodyLimits));
  app.use(series(requestLogger(deps.logger, deps.metrics && new RequestMetrics(deps.metrics)), decodeEncodedColons, underV1(v1)));

  // routes on the app's own router, not in routers of their own: one router less to enter on every request
  mountRoutes(app.router, publicRoutes, openapi);
  mountRoutes(app.router, privateRoutes, openapi);

  app.use(notFound(openapi));
  app.use(problemMapper(deps.logger));
  return app;
}
