/**
 * One log line per request, written when the answer is sent: request id,
 * method, path, tenant, status and duration_ms; and the request metrics
 * (request-metrics.ts), recorded at the same moment. Headers are not logged
 * at all, so neither is Authorization.
 *
 * Written against pino directly rather than with pino-http: pino-http builds
 * a child logger and serializers for every request even when the line is
 * filtered out by LOG_LEVEL, which cost a tenth of the API's CPU per event
 * at ingest speed. Here a filtered line costs one level check, and a
 * request costs one `close` listener (shared by every request: its state
 * sits in `res.locals`), with no closure of its own.
 */
import { randomUUID } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import type { Logger } from '@hookrelay/core';
import type { RequestLocals } from '../context.js';
import type { RequestMetrics } from './request-metrics.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

interface ObservedLocals extends RequestLocals {
  requestId: string;
  startedAt: bigint;
}

export function requestLogger(logger: Logger, metrics?: RequestMetrics): RequestHandler {
  function logAnswer(res: Response): void {
    const req = res.req;
    const locals = res.locals as ObservedLocals;
    const durationNs = process.hrtime.bigint() - locals.startedAt;
    metrics?.record(req, res, Number(durationNs) / 1e9);
    const aborted = !res.writableFinished;
    const level = res.statusCode >= 500 ? 'error' : aborted ? 'warn' : 'info';
    if (!logger.isLevelEnabled(level)) return;
    const q = req.originalUrl.indexOf('?');
    logger[level](
      {
        req: { method: req.method, path: q === -1 ? req.originalUrl : req.originalUrl.slice(0, q) },
        request_id: locals.requestId,
        tenant: locals.tenant ?? null,
        status: res.statusCode,
        duration_ms: Number(durationNs) / 1e6,
        ...(aborted ? { aborted: true } : {}),
      },
      `${req.method} ${res.statusCode}`,
    );
  }
  // 'close' follows 'finish' on every answered request, and comes alone when the client went away first
  function onClose(this: Response): void {
    logAnswer(this);
  }

  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('x-request-id', id);
    const locals = res.locals as ObservedLocals;
    locals.requestId = id;
    locals.startedAt = process.hrtime.bigint();
    res.on('close', onClose);
    next();
  };
}
