/**
 * What every command action gets: the global options resolved (flags, then
 * environment, then defaults — commander does the merging), the output, and
 * the API client built from them on first use (so `migrate` and
 * `publish --redis-url` never need an API key).
 */
import type { Command } from 'commander';
import { ApiClient } from './api-client.js';
import { Output, type Io } from './output.js';

export interface GlobalOptions {
  apiUrl: string;
  apiKey?: string;
  tenant?: string;
  json?: boolean;
  requestTimeout: number;
}

/** State of one run of `main`, shared by the actions. */
export interface Run {
  io: Io;
  /** aborted on SIGINT/SIGTERM by long-running commands (tail) */
  signal?: AbortSignal;
}

export interface Context {
  run: Run;
  io: Io;
  out: Output;
  options: GlobalOptions;
  api(): ApiClient;
}

export function contextOf(command: Command, run: Run): Context {
  const options = command.optsWithGlobals<GlobalOptions>();
  let client: ApiClient | undefined;
  return {
    run,
    io: run.io,
    out: new Output(run.io, Boolean(options.json)),
    options,
    api() {
      client ??= new ApiClient({ baseUrl: options.apiUrl, apiKey: options.apiKey, tenant: options.tenant, timeoutMs: options.requestTimeout });
      return client;
    },
  };
}
