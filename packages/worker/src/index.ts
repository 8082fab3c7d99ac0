/**
 * The worker runtime: BullMQ processors for deliveries and SDK events, the
 * gates a scheduled attempt passes (fair scheduling, ordering, rate limit),
 * the reconciler that rebuilds Redis from Postgres, the retention sweeper,
 * the planner statistics refresher, the metrics server and the secret rekey
 * job.
 */
export * from './delivery-processor.js';
export * from './event-job-processor.js';
export * from './metrics-server.js';
export * from './ordering-gate.js';
export * from './postponer.js';
export * from './rate-limiter.js';
export * from './reconciler.js';
export * from './retention-sweeper.js';
export * from './secret-rekey.js';
export * from './statistics-refresher.js';
export * from './worker-runtime.js';
