/**
 * A process's fair scheduling over the delivery queue: the gates under the
 * queue prefix and the caps from the configuration. The worker passes its
 * fleet capacity (the shares of the fleet's slots); the API passes none, as
 * its leases (ping, resend) are forced and only counted.
 */
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from '@hookrelay/core';
import type { DeliveryQueue } from './delivery-queue.js';
import { FairGates } from './fair-gate.js';
import { FairScheduler } from './fair-scheduler.js';
import type { FleetCapacity } from './fleet-capacity.js';

export interface FairSetupOptions {
  prefix: string;
  fleet: FleetCapacity | null;
  /** ENDPOINT_MAX_IN_FLIGHT and DELIVERY_TIMEOUT_MS */
  delivery: { endpointMaxInFlight: number; timeoutMs: number };
  logger: Logger;
}

export function createFairScheduling(redis: Redis | Cluster, deliveries: DeliveryQueue, options: FairSetupOptions): { gates: FairGates; fair: FairScheduler } {
  const gates = new FairGates(redis, options.prefix);
  const { endpointMaxInFlight, timeoutMs } = options.delivery;
  const fair = new FairScheduler(gates, deliveries.queue, deliveries.flows, options.fleet, { endpointMaxInFlight, timeoutMs }, options.logger);
  return { gates, fair };
}
