/**
 * What can go wrong in a command, each with the exit code it ends the process
 * with (documented in `hookrelay --help` and docs/cli.md):
 * 0 success, 1 the API or the operation answered with an error, 2 usage
 * error, 3 the API / Redis / database cannot be reached.
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export interface FieldError {
  field: string;
  message: string;
}

export class CliError extends Error {
  readonly exitCode: ExitCode = EXIT.failed;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }

  /** What is printed to stderr: `error: …`, then any details. */
  lines(): string[] {
    return [`error: ${this.message}`];
  }
}

/** Bad or missing options, an invalid JSON argument, a missing API key. */
export class UsageError extends CliError {
  override readonly exitCode = EXIT.usage;
}

/** The operation ran and failed (a failed ping, a tail that timed out, migrations that did not apply). */
export class OperationError extends CliError {}

/** The API, Redis or the database did not answer at all. */
export class UnreachableError extends CliError {
  override readonly exitCode = EXIT.unreachable;
}

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: FieldError[];
}

/** A 4xx/5xx answer of the API, with its RFC 7807 problem when it sent one. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(`${problem.title ?? `HTTP ${status}`}: ${problem.detail ?? ''}`.replace(/: $/, ''));
  }

  override lines(): string[] {
    const fieldLines = (this.problem.errors ?? []).map((e) => `  - ${e.field}: ${e.message}`);
    return [`error: ${this.message}`, ...fieldLines];
  }
}
