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
