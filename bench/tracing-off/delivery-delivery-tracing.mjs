// Stub of packages/delivery/dist/delivery-tracing.js for the "without
// tracing" variant (build.mjs): an attempt is its send().
export function traceAttempt(_subject, _trigger, _parent, _headers, send) {
  return send();
}
