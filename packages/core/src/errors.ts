/**
 * Typed errors. Each carries the HTTP status it maps to; the API maps them to
 * RFC 7807 problem+json in one middleware, the worker maps them to ack/retry.
 */
export interface FieldError {
  field: string;
  message: string;
}

export class HookrelayError extends Error {
  readonly status: number = 500;
  readonly title: string = 'Internal Server Error';
  readonly errors?: FieldError[];

  constructor(message: string, errors?: FieldError[]) {
    super(message);
    this.name = new.target.name;
    this.errors = errors;
  }
}

export class ValidationError extends HookrelayError {
  override readonly status = 400;
  override readonly title = 'Bad Request';
}

export class UnauthorizedError extends HookrelayError {
  override readonly status = 401;
  override readonly title = 'Unauthorized';
}

export class ForbiddenError extends HookrelayError {
  override readonly status = 403;
  override readonly title = 'Forbidden';
}

export class NotFoundError extends HookrelayError {
  override readonly status = 404;
  override readonly title = 'Not Found';
}

export class ConflictError extends HookrelayError {
  override readonly status = 409;
  override readonly title = 'Conflict';
}

export class PayloadTooLargeError extends HookrelayError {
  override readonly status = 413;
  override readonly title = 'Payload Too Large';
}

export class UnsupportedMediaTypeError extends HookrelayError {
  override readonly status = 415;
  override readonly title = 'Unsupported Media Type';
}

/** Raised at start when the environment is invalid; the process exits. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Connection-level failures of Postgres or Redis: the request may be retried
 * as it is, so the API answers 503 with Retry-After instead of 500. SQLSTATE
 * class 08 (connection exception), 57P01–57P03 (server shutting down or
 * starting) and 53300 (too many connections); Prisma's "cannot reach" and
 * pool-timeout codes; socket errors; and the messages node-postgres and
 * ioredis use for a connection that went away or never came.
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  'P1001',
  'P1002',
  'P1008',
  'P1017',
  'P2024',
]);
const UNAVAILABLE_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|Connection is closed|Reached the max retries per request limit|Can't reach database server|Server has closed the connection/i;

export function isDependencyUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  const e = error as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown; name?: unknown };
  if (typeof e.code === 'string' && (UNAVAILABLE_CODES.has(e.code) || e.code.startsWith('08'))) return true;
  if (e.name === 'PrismaClientInitializationError') return true;
  if (typeof e.message === 'string' && UNAVAILABLE_MESSAGES.test(e.message)) return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => isDependencyUnavailable(inner, depth + 1))) return true;
  return isDependencyUnavailable(e.cause, depth + 1);
}
