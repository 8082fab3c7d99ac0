/**
 * One log line per request: request id, method, path, tenant, status and
 * duration_ms. Headers are not logged at all, so neither is Authorization.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from '@hookrelay/core';
import type { RequestLocals } from '../context.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

export function requestLogger(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      res.setHeader('x-request-id', id);
      return id;
    },
    customAttributeKeys: { responseTime: 'duration_ms' },
    serializers: {
      req: (req: { method?: string; url?: string }) => ({ method: req.method, path: req.url?.split('?')[0] }),
      res: () => undefined,
    },
    wrapSerializers: false,
    // Called at request start and at finish; only the finish knows tenant and status.
    customProps: (req: IncomingMessage, res: ServerResponse) => {
      if (!res.headersSent) return {};
      const locals = ((res as unknown as { locals?: RequestLocals }).locals ?? {}) as RequestLocals;
      return { request_id: (req as IncomingMessage & { id?: unknown }).id, tenant: locals.tenant ?? null, status: res.statusCode };
    },
    customSuccessMessage: (req: IncomingMessage, res: ServerResponse) => `${req.method} ${res.statusCode}`,
    customErrorMessage: (req: IncomingMessage, res: ServerResponse) => `${req.method} ${res.statusCode}`,
    customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) => (err || res.statusCode >= 500 ? 'error' : 'info'),
  }) as unknown as RequestHandler;
}
