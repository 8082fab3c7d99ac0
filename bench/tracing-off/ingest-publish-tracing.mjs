// Stub of packages/ingest/dist/publish-tracing.js for the "without
// tracing" variant (build.mjs): a publish is its publish().
export function tracePublish(_input, publish) {
  return publish();
}
