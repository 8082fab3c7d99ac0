// The WebAssembly schema engine: instantiated from the wasm the prisma CLI
// package ships and the wasm-bindgen glue of @prisma/schema-engine-wasm, and
// its errors turned into the JSON-RPC errors the CLI expects.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export async function loadWasmEngine() {
  // wasm-bindgen's panic hook reports the panic message through this global.
  let panicMessage = '';
  globalThis.PRISMA_WASM_PANIC_REGISTRY = {
    set_message(message) {
      panicMessage = `RuntimeError: ${message}`;
    },
    get: () => panicMessage,
  };
  const glue = await import('@prisma/schema-engine-wasm/schema_engine_bg');
  // Use the wasm shipped inside the prisma CLI package, i.e. exactly the
  // engine build this CLI version was released with. The glue package only
  // provides the JS side; check it fits this wasm so that a version bump
  // fails loudly here instead of misbehaving later.
  const wasmPath = path.join(path.dirname(require.resolve('prisma/package.json')), 'build', 'schema_engine_bg.wasm');
  const module = new WebAssembly.Module(fs.readFileSync(wasmPath));
  const imports = {};
  const missing = [];
  for (const { module: from, name } of WebAssembly.Module.imports(module)) {
    if (typeof glue[name] !== 'function') missing.push(name);
    imports[from] ??= {};
    imports[from][name] = glue[name];
  }
  if (missing.length) {
    throw new Error(
      `@prisma/schema-engine-wasm glue does not match ${wasmPath} (missing ${missing.slice(0, 3).join(', ')}…): ` +
        'install the glue version matching the prisma CLI version',
    );
  }
  const instance = new WebAssembly.Instance(module, imports);
  glue.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start();
  return { SchemaEngine: glue.SchemaEngine, panicMessage: () => panicMessage };
}

// Turns whatever the wasm engine threw into the JSON-RPC error the CLI
// expects (`data.message`, `data.error_code`, `data.is_panic`).
// Errors thrown by our JS adapter code reach the engine only as
// "External error id#N"; the real error sits in the adapter factory's
// error registry, so put its message back.
export function toRpcError(e, panicMessage, errorRegistry) {
  const external = /External error id#(\d+)/.exec(String(e?.message ?? ''));
  const registered = external && errorRegistry?.consumeError(Number(external[1]))?.error;
  if (registered) e = registered;
  let data;
  if (e && typeof e === 'object' && 'message' in e) {
    try {
      const parsed = JSON.parse(e.message);
      if (parsed && typeof parsed === 'object' && 'message' in parsed) data = parsed;
    } catch {}
    if (!data) {
      const isPanic = e instanceof WebAssembly.RuntimeError;
      data = {
        is_panic: isPanic,
        message: isPanic ? panicMessage() || String(e.message) : String(e.message),
        meta: e.meta ?? null,
        error_code: e.error_code ?? e.code ?? null,
      };
    }
  } else {
    data = { is_panic: false, message: String(e), meta: null, error_code: null };
  }
  if (data.is_panic === undefined) data.is_panic = false;
  return { code: 4466, message: 'An error happened. Check the data field for details.', data };
}
