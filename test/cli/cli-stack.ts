/**
 * One test file's stack for the CLI: a real API and worker in this process,
 * a real receiver, the built CLI pointed at them as the admin, and a
 * temporary folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { ADMIN_KEY, startStack, type Stack } from '../support/stack.js';
import { parseJson, runCli, type CliOptions } from './cli-process.js';

export interface CliStack {
  readonly stack: Stack;
  readonly receiver: Receiver;
  /** HOOKRELAY_API_URL and the admin's HOOKRELAY_API_KEY */
  readonly env: Record<string, string>;
  /** a folder of the file's own for files the CLI reads (`@file` arguments) */
  readonly dir: string;
  /** Runs the CLI as the admin (unless `options.env` overrides), asserting nothing. */
  cli(args: string[], options?: CliOptions): ReturnType<typeof runCli>;
  /** Runs with --json and expects exit 0. */
  cliJson<T = any>(args: string[], options?: CliOptions): Promise<T>;
}

/** Starts them before the file's tests and stops them after; the receiver answers 200 before each test. */
export function useCliStack(): CliStack {
  let stack: Stack;
  let receiver: Receiver;
  let env: Record<string, string> = {};
  const dir = mkdtempSync(path.join(tmpdir(), 'hookrelay-cli-'));
  beforeAll(async () => {
    stack = await startStack();
    receiver = await startReceiver();
    env = { HOOKRELAY_API_URL: stack.api.url, HOOKRELAY_API_KEY: ADMIN_KEY };
  });
  afterAll(async () => {
    await stack?.stop();
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => receiver.respondWith({ status: 200 }));

  const cli = (args: string[], options: CliOptions = {}) => runCli(args, { ...options, env: { ...env, ...options.env } });
  return {
    get stack() {
      return stack;
    },
    get receiver() {
      return receiver;
    },
    get env() {
      return env;
    },
    dir,
    cli,
    async cliJson<T = any>(args: string[], options: CliOptions = {}): Promise<T> {
      const result = await cli([...args, '--json'], options);
      if (result.code !== 0) throw new Error(`exit ${result.code}: ${result.stderr}`);
      return parseJson<T>(result);
    },
  };
}
