// Stub of packages/core/dist/tracing-setup.js for the "without tracing"
// variant (build.mjs): startTracing starts nothing, whatever OTEL_* says.
export async function startTracing() {
  return { enabled: false, shutdown: async () => {} };
}
