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

export interface FairScheduling {
  gates: FairGates;
  fair: FairScheduler;
  /** closes the subscription to other processes' releases, if any */
  close(): Promise<void>;
}

/**
 * `wakeups`: subscribe (on a connection of its own) to the releases of full
 * gates announced by every process, so that this process's jobs waiting in
 * place at a webhook's cap look again at once, not on their 10 ms timer
 * (the workers; the API's leases are forced and never wait).
 */
export function createFairScheduling(redis: Redis | Cluster, deliveries: DeliveryQueue, options: FairSetupOptions & { wakeups?: boolean }): FairScheduling {
  const gates = new FairGates(redis, options.prefix);
  const { endpointMaxInFlight, timeoutMs } = options.delivery;
  const fair = new FairScheduler(gates, deliveries.queue, deliveries.flows, options.fleet, { endpointMaxInFlight, timeoutMs }, options.logger);
  // enqueues of this process park the first attempts of a slow webhook with a backlog straight away
  deliveries.parkWith(fair);
  if (!options.wakeups) return { gates, fair, close: async () => undefined };
  const subscriber = redis.duplicate();
  subscriber.on('message', (_channel: string, key: string) => {
    const gate = gates.gateOfLeasesKey(key);
    if (gate) fair.wakeGate(gate);
  });
  // without the subscription waiters fall back to their timer: a failure here is logged, not fatal
  subscriber.subscribe(gates.releasedChannel).catch((error: unknown) => options.logger.warn({ err: error }, 'subscribing to fair-gate releases failed'));
  return {
    gates,
    fair,
    async close() {
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
