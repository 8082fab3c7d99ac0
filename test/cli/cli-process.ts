/**
 * The built CLI (packages/cli/bin/hookrelay.mjs → dist) as a child process,
 * as an operator runs it. Needs `pnpm build` first (`pnpm test` does it).
 * The child gets a minimal environment: only what the test passes, plus
 * PATH and HOME, so nothing from the developer's shell leaks in.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = `${ROOT}packages/cli/bin/hookrelay.mjs`;

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliProcess {
  child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  exited: Promise<CliResult>;
  /** resolves once stderr (or stdout, with `stream`) matches */
  waitFor(pattern: RegExp, options?: { stream?: 'stdout' | 'stderr'; timeoutMs?: number }): Promise<void>;
}

export interface CliOptions {
  env?: Record<string, string>;
  /** written to stdin, which is then closed */
  input?: string;
}

export function startCli(args: string[], options: CliOptions = {}): CliProcess {
  if (!existsSync(`${ROOT}packages/cli/dist/index.js`)) throw new Error('packages/cli/dist is missing: run pnpm build first');
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (c: Buffer) => {
    stdout += c.toString('utf8');
    for (const l of listeners) l();
  });
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
    for (const l of listeners) l();
  });
  child.stdin!.end(options.input ?? '');
  const exited = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => {
      for (const l of listeners) l();
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
    waitFor(pattern, { stream = 'stderr', timeoutMs = 15000 } = {}) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(stream === 'stderr' ? stderr : stdout)) {
            cleanup();
            resolve();
          } else if (child.exitCode !== null || child.signalCode !== null) {
            cleanup();
            reject(new Error(`the CLI exited before ${pattern} appeared; stdout: ${stdout}\nstderr: ${stderr}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`${pattern} did not appear within ${timeoutMs} ms; stdout: ${stdout}\nstderr: ${stderr}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** Runs the CLI to the end (killed after `timeoutMs`). */
export async function runCli(args: string[], options: CliOptions & { timeoutMs?: number } = {}): Promise<CliResult> {
  const cli = startCli(args, options);
  const timer = setTimeout(() => cli.child.kill('SIGKILL'), options.timeoutMs ?? 30000);
  try {
    return await cli.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** stdout parsed as JSON, with the whole output in the message when it is not. */
export function parseJson<T = any>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}

/** Fails with the CLI's whole output when it did not exit with `code`. */
export function expectExit(result: CliResult, code: number): void {
  if (result.code !== code) throw new Error(`expected exit ${code}, got ${result.code ?? result.signal}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
}
