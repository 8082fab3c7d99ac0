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

import fs from 'node:fs'
import path from 'node:path'
import readline from 'node:readline'
import { randomUUID } from 'node:crypto'
import { createRequire } from 'node:module'
import pg from 'pg'

const require = createRequire(import.meta.url)

// ---------------------------------------------------------------------------
// Logging: the CLI reads stderr line by line as JSON; ERROR lines become the
// error message it shows when the engine exits unexpectedly.

function log(level, message, extra = {}) {
  process.stderr.write(
    JSON.stringify({
      timestamp: new Date().toISOString(),
      level,
      target: 'schema_engine::logger',
      fields: { message, ...extra },
    }) + '\n',
  )
}

// ---------------------------------------------------------------------------
// Arguments

function parseArgs(argv) {
  const args = { datamodels: [], datasource: undefined, version: false, cli: undefined }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--datamodels') args.datamodels.push(argv[++i])
    else if (arg === '--datasource') args.datasource = JSON.parse(argv[++i])
    else if (arg === '--version' || arg === '-V') args.version = true
    else if (arg === 'cli') args.cli = argv[++i]
    // --enabled-preview-features / --extension-types take a value we ignore.
    else if (arg === '--enabled-preview-features' || arg === '--extension-types') i++
  }
  return args
}

// The engines commit the CLI was built against (what the native binary
// reports for --version); found through prisma -> @prisma/engines.
function enginesHash() {
  try {
    const requireFromPrisma = createRequire(require.resolve('prisma/package.json'))
    const requireFromEngines = createRequire(requireFromPrisma.resolve('@prisma/engines/package.json'))
    return requireFromEngines('@prisma/engines-version/package.json').prisma.enginesVersion
  } catch {
    return 'unknown'
  }
}

// ---------------------------------------------------------------------------
// Plain-pg helpers (one-shot commands, createDatabase, shadow databases)

function databaseName(url) {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || 'postgres'
}

function withDatabase(url, database) {
  const u = new URL(url)
  u.pathname = '/' + encodeURIComponent(database)
  return u.toString()
}

const quoteIdent = (name) => '"' + name.replace(/"/g, '""') + '"'

// Runs fn(client) against the server's maintenance database, as the native
// engine does for CREATE/DROP DATABASE (you cannot drop the database you are
// connected to, and the target may not exist yet).
async function withMaintenanceClient(url, fn) {
  let lastError
  for (const db of ['postgres', 'template1']) {
    const client = new pg.Client({ connectionString: withDatabase(url, db) })
    try {
      await client.connect()
    } catch (e) {
      lastError = e
      await client.end().catch(() => {})
      if (e.code === '3D000') continue // maintenance db missing: try the next one
      throw e
    }
    try {
      return await fn(client)
    } finally {
      await client.end().catch(() => {})
    }
  }
  throw lastError
}

// Maps a pg/network error to the Prisma error code the CLI understands.
function prismaErrorCode(e, url) {
  const db = url ? databaseName(url) : ''
  switch (e.code) {
    case '3D000':
      return { error_code: 'P1003', message: `Database \`${db}\` does not exist` }
    case '28P01':
    case '28000':
      return { error_code: 'P1000', message: `Authentication failed against database server: ${e.message}` }
    case '42P04':
      return { error_code: 'P1009', message: `Database \`${db}\` already exists` }
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EHOSTUNREACH':
    case 'ETIMEDOUT':
      return { error_code: 'P1001', message: `Can't reach database server: ${e.message}` }
    default:
      return { error_code: e.code && /^[0-9A-Z]{5}$/.test(e.code) ? 'P1010' : 'P1001', message: e.message }
  }
}

async function createDatabase(url) {
  const name = databaseName(url)
  await withMaintenanceClient(url, (c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`))
  return name
}

async function runCliCommand(command, url) {
  // The CLI discards the first stderr line of a one-shot command (the native
  // binary prints a banner there) and parses every following line as JSON.
  log('INFO', `Starting schema engine CLI (${command})`)
  if (!url) throw Object.assign(new Error('No --datasource url given'), { code: 'P1012' })
  switch (command) {
    case 'can-connect-to-database': {
      const client = new pg.Client({ connectionString: url })
      try {
        await client.connect()
        await client.query('SELECT 1')
      } finally {
        await client.end().catch(() => {})
      }
      return
    }
    case 'create-database':
      await createDatabase(url)
      return
    case 'drop-database': {
      const name = databaseName(url)
      await withMaintenanceClient(url, (c) => c.query(`DROP DATABASE ${quoteIdent(name)}`))
      return
    }
    default:
      throw new Error(`Unknown cli command: ${command}`)
  }
}

// ---------------------------------------------------------------------------
// Driver adapter for the wasm engine

async function loadAdapterPieces() {
  const { PrismaPg } = await import('@prisma/adapter-pg')
  const { bindMigrationAwareSqlAdapterFactory } = await import('@prisma/driver-adapter-utils')
  return { PrismaPg, bindMigrationAwareSqlAdapterFactory }
}

// adapter-pg cannot decode Postgres `"char"` (oid 18) columns, which the
// engine's introspection queries return (pg_class.relkind, ...): `migrate
// dev` would fail with UnsupportedNativeDataType. The values are already
// plain strings, so we relabel those columns as text (oid 25) after the
// query and before adapter-pg maps column types. `name` (oid 19) is treated
// the same way for safety. Patched once on adapter-pg's shared query class so
// that pooled queries and transactions are both covered.
const TEXT_OID = 25
const RELABEL_AS_TEXT = new Set([18, 19])
function patchCharColumns(adapter) {
  const queryableProto = Object.getPrototypeOf(Object.getPrototypeOf(adapter))
  if (queryableProto.__hookrelayCharPatch) return
  const performIO = queryableProto.performIO
  queryableProto.performIO = async function (query) {
    const result = await performIO.call(this, query)
    for (const field of result?.fields ?? []) {
      if (RELABEL_AS_TEXT.has(field.dataTypeID)) field.dataTypeID = TEXT_OID
    }
    return result
  }
  queryableProto.__hookrelayCharPatch = true
}

// adapter-pg splits scripts on ";" and runs each piece separately, which
// breaks statements containing ";" (function bodies, string literals). The
// native engine sends a migration script as one simple-protocol query; do
// the same (pg uses the simple protocol when there are no parameters).
function patchExecuteScript(adapter) {
  const client = adapter.underlyingDriver()
  adapter.executeScript = async function (script) {
    try {
      await client.query(script)
    } catch (error) {
      this.onError(error)
    }
  }
}

function pgOptionsFor(url) {
  // Honour `?schema=` like the native engine does.
  const schema = new URL(url).searchParams.get('schema')
  return schema ? { schema } : undefined
}

async function connectAdapter(PrismaPg, url, onDispose) {
  const adapter = await new PrismaPg({ connectionString: url }, pgOptionsFor(url)).connect()
  patchCharColumns(adapter)
  patchExecuteScript(adapter)
  if (onDispose) {
    const dispose = adapter.dispose.bind(adapter)
    adapter.dispose = async () => {
      await dispose()
      await onDispose()
    }
  }
  return adapter
}

// Empties a configured shadow database (all non-system schemas), since the
// engine expects a blank one.
async function wipeDatabase(url) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const { rows } = await client.query(
      `SELECT nspname FROM pg_namespace
       WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'`,
    )
    for (const { nspname } of rows) await client.query(`DROP SCHEMA ${quoteIdent(nspname)} CASCADE`)
    await client.query('CREATE SCHEMA IF NOT EXISTS public')
  } finally {
    await client.end().catch(() => {})
  }
}

// Our own factory instead of PrismaPg's: its connectToShadowDb creates a
// shadow database but then connects with the same connection string, i.e.
// to the main database (the connection string wins over `database`). Here a
// temporary `prisma_shadow_<uuid>` database is created, used, and dropped
// WITH (FORCE) on dispose; or the configured shadowDatabaseUrl is wiped and
// used, like the native engine does.
function createAdapterFactory({ PrismaPg, bindMigrationAwareSqlAdapterFactory }, datasource) {
  const url = datasource?.url
  const factory = {
    provider: 'postgres',
    adapterName: '@prisma/adapter-pg',
    async connect() {
      if (!url) throw new Error('No datasource url: set DATABASE_URL (see prisma.config.ts)')
      return connectAdapter(PrismaPg, url)
    },
    async connectToShadowDb() {
      if (datasource?.shadowDatabaseUrl) {
        await wipeDatabase(datasource.shadowDatabaseUrl)
        return connectAdapter(PrismaPg, datasource.shadowDatabaseUrl)
      }
      if (!url) throw new Error('No datasource url to create a shadow database on')
      const name = `prisma_shadow_${randomUUID().replace(/-/g, '')}`
      await withMaintenanceClient(url, (c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`))
      return connectAdapter(PrismaPg, withDatabase(url, name), () =>
        withMaintenanceClient(url, (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`)),
      )
    },
  }
  return bindMigrationAwareSqlAdapterFactory(factory)
}

// ---------------------------------------------------------------------------
// The wasm engine

async function loadWasmEngine() {
  // wasm-bindgen's panic hook reports the panic message through this global.
  let panicMessage = ''
  globalThis.PRISMA_WASM_PANIC_REGISTRY = {
    set_message(message) {
      panicMessage = `RuntimeError: ${message}`
    },
    get: () => panicMessage,
  }
  const glue = await import('@prisma/schema-engine-wasm/schema_engine_bg')
  // Use the wasm shipped inside the prisma CLI package, i.e. exactly the
  // engine build this CLI version was released with. The glue package only
  // provides the JS side; check it fits this wasm so that a version bump
  // fails loudly here instead of misbehaving later.
  const wasmPath = path.join(path.dirname(require.resolve('prisma/package.json')), 'build', 'schema_engine_bg.wasm')
  const module = new WebAssembly.Module(fs.readFileSync(wasmPath))
  const imports = {}
  const missing = []
  for (const { module: from, name } of WebAssembly.Module.imports(module)) {
    if (typeof glue[name] !== 'function') missing.push(name)
    ;(imports[from] ??= {})[name] = glue[name]
  }
  if (missing.length) {
    throw new Error(
      `@prisma/schema-engine-wasm glue does not match ${wasmPath} (missing ${missing.slice(0, 3).join(', ')}…): ` +
        'install the glue version matching the prisma CLI version',
    )
  }
  const instance = new WebAssembly.Instance(module, imports)
  glue.__wbg_set_wasm(instance.exports)
  instance.exports.__wbindgen_start()
  return { SchemaEngine: glue.SchemaEngine, panicMessage: () => panicMessage }
}

// Turns whatever the wasm engine threw into the JSON-RPC error the CLI
// expects (`data.message`, `data.error_code`, `data.is_panic`).
// Errors thrown by our JS adapter code reach the engine only as
// "External error id#N"; the real error sits in the adapter factory's
// error registry, so put its message back.
function toRpcError(e, panicMessage, errorRegistry) {
  const external = /External error id#(\d+)/.exec(String(e?.message ?? ''))
  const registered = external && errorRegistry?.consumeError(Number(external[1]))?.error
  if (registered) e = registered
  let data
  if (e && typeof e === 'object' && 'message' in e) {
    try {
      const parsed = JSON.parse(e.message)
      if (parsed && typeof parsed === 'object' && 'message' in parsed) data = parsed
    } catch {}
    if (!data) {
      const isPanic = e instanceof WebAssembly.RuntimeError
      data = {
        is_panic: isPanic,
        message: isPanic ? panicMessage() || String(e.message) : String(e.message),
        meta: e.meta ?? null,
        error_code: e.error_code ?? e.code ?? null,
      }
    }
  } else {
    data = { is_panic: false, message: String(e), meta: null, error_code: null }
  }
  if (data.is_panic === undefined) data.is_panic = false
  return { code: 4466, message: 'An error happened. Check the data field for details.', data }
}

async function runRpcServer(args) {
  const datamodels = args.datamodels.map((file) => [file, fs.readFileSync(file, 'utf8')])
  const [{ SchemaEngine, panicMessage }, adapterPieces] = await Promise.all([loadWasmEngine(), loadAdapterPieces()])

  const send = (msg) => process.stdout.write(JSON.stringify(msg) + '\n')

  // Requests *we* send to the CLI (only `print`), keyed by id.
  const ourRequests = new Map()
  let nextOwnId = 1_000_000
  const requestCli = (method, params) =>
    new Promise((resolve, reject) => {
      const id = nextOwnId++
      ourRequests.set(id, { resolve, reject })
      send({ jsonrpc: '2.0', id, method, params })
    })

  // The engine is created on first use so that a failing connection becomes
  // an RPC error on that request rather than a crash at startup.
  const adapterFactory = createAdapterFactory(adapterPieces, args.datasource)
  let enginePromise
  const getEngine = () =>
    (enginePromise ??= SchemaEngine.new(
      { datamodels: datamodels.length ? datamodels : undefined },
      // The engine's own log lines are already in the format the CLI reads.
      (line) => process.stderr.write((typeof line === 'string' ? line : JSON.stringify(line)) + '\n'),
      adapterFactory,
    ))

  const isShadowFactoryError = (e) => /external factory/i.test(String(e?.message ?? e))

  // Methods the wasm engine lacks or implements differently from the native one.
  const overrides = {
    // Not in the wasm engine.
    async createDatabase(params) {
      const url = params?.datasource?.url ?? args.datasource?.url
      if (!url) throw new Error('createDatabase: no connection string')
      return { databaseName: await createDatabase(url) }
    },
    // Called `version` in the wasm engine.
    // Its params are optional; `{}` (no datasource) makes the wasm throw
    // from inside a callback, where we could not catch it.
    async getDatabaseVersion(engine, params) {
      return engine.version(params?.datasource ? params : null)
    },
    // The native engine sends the script to the CLI in a `print` request and
    // only returns the exit code; the wasm engine returns it as `stdout`.
    async diff(engine, params) {
      const { exitCode, stdout } = await engine.diff(params)
      if (stdout != null) await requestCli('print', { content: stdout })
      return { exitCode }
    },
  }
  // After `migrate dev` applied pending migrations these can fail with
  // "shadow DB must be provided through an external factory"; a
  // diagnoseMigrationHistory that opts into the shadow database sets it up,
  // after which a retry succeeds.
  for (const method of ['evaluateDataLoss', 'createMigration']) {
    overrides[method] = async (engine, params) => {
      try {
        return await engine[method](params)
      } catch (e) {
        if (!isShadowFactoryError(e) || !params?.migrationsList) throw e
        await engine.diagnoseMigrationHistory({
          migrationsList: params.migrationsList,
          optInToShadowDatabase: true,
          filters: params.filters,
        })
        return engine[method](params)
      }
    }
  }

  async function handle({ id, method, params }) {
    try {
      let result
      if (!overrides[method] && typeof SchemaEngine.prototype[method] !== 'function') {
        send({ jsonrpc: '2.0', id, error: { code: -32601, message: `Method not found: ${method}` } })
        return
      }
      if (method === 'createDatabase') result = await overrides.createDatabase(params)
      else {
        const engine = await getEngine()
        result = overrides[method] ? await overrides[method](engine, params) : await engine[method](params)
      }
      send({ jsonrpc: '2.0', id, result: result === undefined ? null : result })
    } catch (e) {
      send({ jsonrpc: '2.0', id, error: toRpcError(e, panicMessage, adapterFactory.errorRegistry) })
    }
  }

  const inFlight = new Set()
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity })
  rl.on('line', (line) => {
    if (!line.trim()) return
    let msg
    try {
      msg = JSON.parse(line)
    } catch {
      log('ERROR', `Could not parse JSON-RPC message: ${line.slice(0, 200)}`)
      return
    }
    if (msg.method === undefined) {
      // A response to one of our `print` requests.
      const pending = ourRequests.get(msg.id)
      if (pending) {
        ourRequests.delete(msg.id)
        msg.error ? pending.reject(new Error(JSON.stringify(msg.error))) : pending.resolve(msg.result)
      }
      return
    }
    const p = handle(msg).finally(() => inFlight.delete(p))
    inFlight.add(p)
  })
  // The CLI closes stdin when it is done. Exit right away (after answering
  // anything still running): the wasm engine leaves a ~10 s timer behind
  // that would otherwise keep the process - and the CLI - waiting.
  rl.on('close', async () => {
    await Promise.allSettled([...inFlight])
    process.exit(0)
  })
}

// ---------------------------------------------------------------------------

async function main() {
  const args = parseArgs(process.argv.slice(2))
  if (args.version) {
    process.stdout.write(`schema-engine-cli ${enginesHash()}\n`)
    return
  }
  if (args.cli) {
    try {
      await runCliCommand(args.cli, args.datasource?.url)
      process.exit(0)
    } catch (e) {
      const { error_code, message } = e.code === 'P1012' ? { error_code: 'P1012', message: e.message } : prismaErrorCode(e, args.datasource?.url)
      log('ERROR', message, { error_code })
      process.exit(1)
    }
  }
  await runRpcServer(args)
}

// The wasm glue can throw from inside callbacks it schedules itself, out of
// reach of the per-request try/catch. Report it the way the native engine
// reports a fatal error (an ERROR log line, which the CLI shows) and exit.
const fatal = (e) => {
  log('ERROR', e?.stack ?? String(e))
  process.exit(1)
}
process.on('uncaughtException', fatal)
process.on('unhandledRejection', fatal)

main().catch((e) => {
  log('ERROR', e?.stack ?? String(e))
  process.exit(1)
})
