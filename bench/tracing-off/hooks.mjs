// Module resolution hook of the "without tracing" variant: the four modules
// that hold Hookrelay's tracing (the helpers and the SDK start in
// @hookrelay/core, the attempt and publish wrappers in @hookrelay/services)
// resolve to the pass-through stubs beside this file. Nothing else changes:
// same dist, same flags, same environment. What the stubs leave at the call
// sites (event-ingest-service.ts, event-job-processor.ts) is a call to a
// constant function, which is what a build with tracing compiled out would
// keep at most; @opentelemetry/api is never loaded.
// Resolution runs once per module at start; it costs nothing afterwards.
// Each substitution is written to stderr (the process's log), where the
// tracing phase checks it happened, in this variant only.
export const MARKER = 'tracing-off: stubbed';

export const STUBS = {
  '/packages/core/dist/tracing.js': './core-tracing.mjs',
  '/packages/core/dist/tracing-setup.js': './core-tracing-setup.mjs',
  '/packages/services/dist/delivery-tracing.js': './services-delivery-tracing.mjs',
  '/packages/services/dist/publish-tracing.js': './services-publish-tracing.mjs',
};

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  for (const [suffix, stub] of Object.entries(STUBS)) {
    if (resolved.url.endsWith(suffix)) {
      process.stderr.write(`${MARKER} ${suffix}\n`);
      return { ...resolved, url: new URL(stub, import.meta.url).href, shortCircuit: true };
    }
  }
  return resolved;
}
