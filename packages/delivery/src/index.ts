/**
 * One delivery attempt and what follows from it: the got client with its
 * SSRF guard and endpoint auth, signing, the decision (deliver, retry,
 * expire), the attempt function shared by the worker, resend and ping, its
 * trace span, webhook health, and the delivery metrics both runtimes expose.
 */
export * from './destination-guard.js';
export * from './callback.js';
export * from './deliverer.js';
export * from './delivery-client.js';
export * from './oauth2-token-provider.js';
export * from './endpoint-headers.js';
export * from './delivery-decision.js';
export * from './delivery-attempt.js';
export * from './delivery-tracing.js';
export * from './webhook-view.js';
export * from './webhook-health.js';
export * from './metrics.js';
