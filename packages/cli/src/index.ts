/**
 * The `hookrelay` CLI. `main` runs one command line and resolves with its
 * exit code; it never calls process.exit, so it can run in-process too.
 */
import { CommanderError } from 'commander';
import type { Run } from './context.js';
import { CliError, EXIT } from './errors.js';
import type { Io } from './output.js';
import { buildProgram } from './program.js';

export { EXIT } from './errors.js';
export type { Io } from './output.js';

export interface MainOptions {
  io?: Io;
  /** ends long-running commands (tail) as SIGINT would; default: the process's SIGINT/SIGTERM */
  signal?: AbortSignal;
}

export async function main(argv: string[], options: MainOptions = {}): Promise<number> {
  const io = options.io ?? { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin };
  const run: Run = { io, signal: options.signal };
  try {
    await buildProgram(run).parseAsync(argv);
    return EXIT.ok;
  } catch (error) {
    // Commander has already printed its message (or the help/version).
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (error instanceof CliError) {
      for (const line of error.lines()) io.stderr.write(`${line}\n`);
      return error.exitCode;
    }
    io.stderr.write(`error: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT.failed;
  }
}
