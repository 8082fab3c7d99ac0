/**
 * The one place errors become HTTP answers: RFC 7807 problem+json for every
 * 4xx/5xx. Typed Hookrelay errors carry their status; errors from Express and
 * body-parser carry `status`/`type`; Postgres or Redis out of reach is a
 * 503 with Retry-After (nothing was changed, the client may retry); a stored
 * secret the configured keys cannot open is a 500 that says so; anything
 * else is logged once and answered with a bare 500 (no message, no stack).
 */
import type { ErrorRequestHandler, Response } from 'express';
import { STATUS_CODES } from 'node:http';
import { HookrelayError, isDependencyUnavailable, SecretDecryptionError, type FieldError, type Logger } from '@hookrelay/core';
import type { Reply } from '../route-definition.js';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
}

export function sendProblem(res: Response, problem: Problem): void {
  res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
}

/** A handler's answer that is a problem but not an error (/readyz: what is down, beside the problem fields). */
export function problemReply(problem: Problem): Reply {
  return { status: problem.status, headers: { 'content-type': 'application/problem+json' }, body: problem };
}

export function problemFor(status: number, detail: string, errors?: FieldError[]): Problem {
  return { type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status, detail, ...(errors ? { errors } : {}) };
}

/** Seconds a client is asked to wait when a backing service is out of reach. */
export const UNAVAILABLE_RETRY_AFTER_S = 5;

/** Messages we may repeat to the client for errors raised by body-parser / the router. */
const FRAMEWORK_DETAILS: Record<string, string> = {
  'entity.parse.failed': 'The request body is not a valid JSON object or array',
  'entity.too.large': 'The request body is larger than 1 MiB',
  'encoding.unsupported': 'Unsupported content encoding',
  'charset.unsupported': 'Unsupported charset; use UTF-8',
  'request.aborted': 'The request was aborted',
  'request.size.invalid': 'The request body size does not match Content-Length',
};

interface FrameworkError {
  status?: unknown;
  statusCode?: unknown;
  type?: unknown;
  limit?: unknown;
}

export function problemMapper(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    let problem: Problem;
    if (error instanceof HookrelayError) {
      problem = problemFor(error.status, error.message, error.errors);
    } else {
      const fw = (typeof error === 'object' && error !== null ? error : {}) as FrameworkError;
      const status = Number(fw.status ?? fw.statusCode);
      if (Number.isInteger(status) && status >= 400 && status < 500) {
        let detail = typeof fw.type === 'string' && FRAMEWORK_DETAILS[fw.type] ? FRAMEWORK_DETAILS[fw.type] : (STATUS_CODES[status] ?? 'Bad request');
        // a route with a body limit of its own (POST /v1/events:batch: 8 MiB)
        if (fw.type === 'entity.too.large' && typeof fw.limit === 'number') detail = `The request body is larger than ${fw.limit / (1024 * 1024)} MiB`;
        problem = problemFor(status, detail);
      } else if (error instanceof SecretDecryptionError) {
        // the server's configuration, not the request: say so, so that whoever calls knows whom to ask
        logger.error({ err: error }, 'a webhook secret cannot be decrypted: check SECRET_ENCRYPTION_KEY and SECRET_ENCRYPTION_KEY_PREVIOUS');
        problem = problemFor(
          500,
          "The server cannot decrypt this webhook's signing secret with the encryption keys it is configured with; its operator must restore the key the secret was stored with.",
        );
      } else if (isDependencyUnavailable(error)) {
        logger.warn({ err: error }, 'database or Redis unreachable: answered 503');
        problem = problemFor(503, 'A backing service (database or queue) is unreachable; retry later.');
        if (!res.headersSent) res.setHeader('Retry-After', String(UNAVAILABLE_RETRY_AFTER_S));
      } else {
        logger.error({ err: error }, 'unhandled error');
        problem = problemFor(500, 'An unexpected error occurred');
      }
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendProblem(res, problem);
  };
}
