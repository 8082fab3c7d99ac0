/**
 * When a delivery may run: the BullMQ delivery queue and its flow priorities,
 * the fleet-wide fair gates (per-webhook in-flight leases, tenant shares) and
 * their snapshot for metrics. Used by the API (enqueue, forced leases of
 * resend and ping) and the worker (acquire, park, release).
 */
export * from './delivery-queue.js';
export * from './fair-gate.js';
export * from './fair-metrics.js';
export * from './fair-scheduler.js';
export * from './fair-snapshot.js';
export * from './fleet-capacity.js';
export * from './flow-priority.js';
export * from './fair-setup.js';
