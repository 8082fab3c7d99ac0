// RPC mode of the schema-engine stand-in: newline-delimited JSON-RPC 2.0 on
// stdin/stdout, each method forwarded to the wasm engine's method of the
// same name, with the gaps between the wasm and the native engine filled.
import fs from 'node:fs';
import readline from 'node:readline';
import { createAdapterFactory, loadAdapterPieces } from './adapter.mjs';
import { log } from './engine-log.mjs';
import { createDatabase } from './pg-admin.mjs';
import { loadWasmEngine, toRpcError } from './wasm-engine.mjs';

export async function runRpcServer(args) {
  const datamodels = args.datamodels.map((file) => [file, fs.readFileSync(file, 'utf8')]);
  const [{ SchemaEngine, panicMessage }, adapterPieces] = await Promise.all([loadWasmEngine(), loadAdapterPieces()]);

  const send = (msg) => process.stdout.write(JSON.stringify(msg) + '\n');

  // Requests *we* send to the CLI (only `print`), keyed by id.
  const ourRequests = new Map();
  let nextOwnId = 1_000_000;
  const requestCli = (method, params) =>
    new Promise((resolve, reject) => {
      const id = nextOwnId++;
      ourRequests.set(id, { resolve, reject });
      send({ jsonrpc: '2.0', id, method, params });
    });

  // The engine is created on first use so that a failing connection becomes
  // an RPC error on that request rather than a crash at startup.
  const adapterFactory = createAdapterFactory(adapterPieces, args.datasource);
  let enginePromise;
  const getEngine = () =>
    (enginePromise ??= SchemaEngine.new(
      { datamodels: datamodels.length ? datamodels : undefined },
      // The engine's own log lines are already in the format the CLI reads.
      (line) => process.stderr.write((typeof line === 'string' ? line : JSON.stringify(line)) + '\n'),
      adapterFactory,
    ));

  const isShadowFactoryError = (e) => /external factory/i.test(String(e?.message ?? e));

  // Methods the wasm engine lacks or implements differently from the native one.
  const overrides = {
    // Not in the wasm engine.
    async createDatabase(params) {
      const url = params?.datasource?.url ?? args.datasource?.url;
      if (!url) throw new Error('createDatabase: no connection string');
      return { databaseName: await createDatabase(url) };
    },
    // Called `version` in the wasm engine.
    // Its params are optional; `{}` (no datasource) makes the wasm throw
    // from inside a callback, where we could not catch it.
    async getDatabaseVersion(engine, params) {
      return engine.version(params?.datasource ? params : null);
    },
    // The native engine sends the script to the CLI in a `print` request and
    // only returns the exit code; the wasm engine returns it as `stdout`.
    async diff(engine, params) {
      const { exitCode, stdout } = await engine.diff(params);
      if (stdout != null) await requestCli('print', { content: stdout });
      return { exitCode };
    },
  };
  // After `migrate dev` applied pending migrations these can fail with
  // "shadow DB must be provided through an external factory"; a
  // diagnoseMigrationHistory that opts into the shadow database sets it up,
  // after which a retry succeeds.
  for (const method of ['evaluateDataLoss', 'createMigration']) {
    overrides[method] = async (engine, params) => {
      try {
        return await engine[method](params);
      } catch (e) {
        if (!isShadowFactoryError(e) || !params?.migrationsList) throw e;
        await engine.diagnoseMigrationHistory({
          migrationsList: params.migrationsList,
          optInToShadowDatabase: true,
          filters: params.filters,
        });
        return engine[method](params);
      }
    };
  }

  async function handle({ id, method, params }) {
    try {
      let result;
      if (!overrides[method] && typeof SchemaEngine.prototype[method] !== 'function') {
        send({ jsonrpc: '2.0', id, error: { code: -32601, message: `Method not found: ${method}` } });
        return;
      }
      if (method === 'createDatabase') result = await overrides.createDatabase(params);
      else {
        const engine = await getEngine();
        result = overrides[method] ? await overrides[method](engine, params) : await engine[method](params);
      }
      send({ jsonrpc: '2.0', id, result: result === undefined ? null : result });
    } catch (e) {
      send({ jsonrpc: '2.0', id, error: toRpcError(e, panicMessage, adapterFactory.errorRegistry) });
    }
  }

  const inFlight = new Set();
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  rl.on('line', (line) => {
    if (!line.trim()) return;
    let msg;
    try {
      msg = JSON.parse(line);
    } catch {
      log('ERROR', `Could not parse JSON-RPC message: ${line.slice(0, 200)}`);
      return;
    }
    if (msg.method === undefined) {
      // A response to one of our `print` requests.
      const pending = ourRequests.get(msg.id);
      if (pending) {
        ourRequests.delete(msg.id);
        msg.error ? pending.reject(new Error(JSON.stringify(msg.error))) : pending.resolve(msg.result);
      }
      return;
    }
    const p = handle(msg).finally(() => inFlight.delete(p));
    inFlight.add(p);
  });
  // The CLI closes stdin when it is done. Exit right away (after answering
  // anything still running): the wasm engine leaves a ~10 s timer behind
  // that would otherwise keep the process - and the CLI - waiting.
  rl.on('close', async () => {
    await Promise.allSettled([...inFlight]);
    process.exit(0);
  });
}
