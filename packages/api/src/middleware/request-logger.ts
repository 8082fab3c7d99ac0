/**
 * One log line per request, written when the answer is sent: request id,
 * method, path, tenant, status and duration_ms. Headers are not logged at
 * all, so neither is Authorization.
 *
 * Written against pino directly rather than with pino-http: pino-http builds
 * a child logger and serializers for every request even when the line is
 * filtered out by LOG_LEVEL, which cost a tenth of the API's CPU per event
 * at ingest speed. Here a filtered line costs one level check.
 */
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '@hookrelay/core';
import type { RequestLocals } from '../context.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

export function requestLogger(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('x-request-id', id);
    const started = process.hrtime.bigint();
    let logged = false;
    const log = () => {
      if (logged) return;
      logged = true;
      // 'close' without 'finish': the client went away before the answer was sent
      const aborted = !res.writableFinished;
      const level = res.statusCode >= 500 ? 'error' : aborted ? 'warn' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      const q = req.originalUrl.indexOf('?');
      logger[level](
        {
          req: { method: req.method, path: q === -1 ? req.originalUrl : req.originalUrl.slice(0, q) },
          request_id: id,
          tenant: (res.locals as RequestLocals).tenant ?? null,
          status: res.statusCode,
          duration_ms: Number(process.hrtime.bigint() - started) / 1e6,
          ...(aborted ? { aborted: true } : {}),
        },
        `${req.method} ${res.statusCode}`,
      );
    };
    res.once('finish', log);
    res.once('close', log);
    next();
  };
}
