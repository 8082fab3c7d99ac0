#!/usr/bin/env node
// Stand-in for Prisma's native `schema-engine` binary.
//
// Why: Prisma 7's CLI spawns a native schema-engine for migrate/db commands
// and downloads it from Prisma's own host when it is missing. That host is
// unreachable on air-gapped machines (ENOTFOUND), so we point
// PRISMA_SCHEMA_ENGINE_BINARY (see prisma.config.ts) at this script instead.
// It runs the WebAssembly build of the same engine, which the `prisma`
// package already ships (build/schema_engine_bg.wasm), with the wasm-bindgen
// JS glue from `@prisma/schema-engine-wasm`, and talks to PostgreSQL through
// `@prisma/adapter-pg`. Everything comes from the npm registry.
//
// It speaks the native engine's (internal, undocumented) protocol:
//   - RPC mode (default): newline-delimited JSON-RPC 2.0 on stdin/stdout,
//     JSON log lines `{level, target, fields: {message}}` on stderr.
//     Args: --datamodels FILE (repeatable), --datasource JSON
//     ({url, shadowDatabaseUrl?}); other args are accepted and ignored.
//   - `--version`: prints `schema-engine-cli <engines hash>`.
//   - one-shot `cli can-connect-to-database|create-database|drop-database`,
//     done with plain `pg` (no wasm needed).
// The protocol may change with any Prisma release: prisma, @prisma/client,
// @prisma/adapter-pg and @prisma/driver-adapter-utils are pinned exactly in
// the root package.json, and `migrate deploy` on an empty database must be
// re-tested whenever they are bumped.
//
// The pieces: engine-args.mjs, engine-log.mjs, one-shot.mjs and pg-admin.mjs
// (plain pg), adapter.mjs (adapter-pg for the wasm engine), wasm-engine.mjs
// and rpc-server.mjs.

import { enginesHash, parseArgs } from './engine-args.mjs';
import { log } from './engine-log.mjs';
import { prismaErrorCode, runCliCommand } from './one-shot.mjs';
import { runRpcServer } from './rpc-server.mjs';

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.version) {
    process.stdout.write(`schema-engine-cli ${enginesHash()}\n`);
    return;
  }
  if (args.cli) {
    try {
      await runCliCommand(args.cli, args.datasource?.url);
      process.exit(0);
    } catch (e) {
      const { error_code, message } = e.code === 'P1012' ? { error_code: 'P1012', message: e.message } : prismaErrorCode(e, args.datasource?.url);
      log('ERROR', message, { error_code });
      process.exit(1);
    }
  }
  await runRpcServer(args);
}

// The wasm glue can throw from inside callbacks it schedules itself, out of
// reach of the per-request try/catch. Report it the way the native engine
// reports a fatal error (an ERROR log line, which the CLI shows) and exit.
const fatal = (e) => {
  log('ERROR', e?.stack ?? String(e));
  process.exit(1);
};
process.on('uncaughtException', fatal);
process.on('unhandledRejection', fatal);

main().catch((e) => {
  log('ERROR', e?.stack ?? String(e));
  process.exit(1);
});
