/**
 * After a refusal, a webhook's next jobs are probed against its gates in
 * Redis before their notification is loaded (docs/scheduling.md, "Probe
 * before load"). Once a probe finds the gates open again the hint is
 * dropped: a webhook refused once in a while must not pay a second Lua call
 * on every delivery for the next five seconds. Real Redis, real BullMQ jobs
 * fetched with their lock tokens; the gates' calls are counted on the way
 * through.
 */
import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { createLogger } from '@hookrelay/core';
import { FairGates, FairScheduler, FlowPriorities, type FairSubject } from '@hookrelay/scheduling';
import { testQueuePrefix, testRedisUrl } from '../support/env.js';

let redis: Redis;
let workerConnection: Redis;
let queue: Queue;
let worker: Worker;
let gates: FairGates;
const prefix = testQueuePrefix();
const QUEUE = 'probe-hint';
const WEBHOOK = 'webhook-probe';
const subject: FairSubject = { webhookId: WEBHOOK, tenantId: 'tenant-probe', maxInFlight: 1, cycleAttempts: 0 };

beforeAll(async () => {
  redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
  queue = new Queue(QUEUE, { connection: redis, prefix });
  // no processor: jobs are fetched by hand, each with its lock token, as a Worker runs them
  workerConnection = redis.duplicate();
  worker = new Worker(QUEUE, null, { connection: workerConnection, prefix });
  gates = new FairGates(redis, prefix);
});

afterAll(async () => {
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  await workerConnection.quit();
  await redis.quit();
});

async function next(token: string): Promise<Job> {
  const job = await worker.getNextJob(token, { block: false });
  if (!job) throw new Error('no job to fetch');
  return job;
}

test('a probe that finds the gates open drops the hint: the next jobs skip the probe until another refusal', async () => {
  const modes: string[] = [];
  const counting = Object.create(gates) as FairGates;
  counting.acquire = (...args: Parameters<FairGates['acquire']>) => {
    modes.push(args[4] ?? 'admit');
    return gates.acquire(...args);
  };
  const fair = new FairScheduler(
    counting,
    queue,
    new FlowPriorities(redis, prefix),
    null,
    { endpointMaxInFlight: 1, timeoutMs: 1000 },
    createLogger({ level: 'silent', pretty: false }),
  );
  const [webhookGate] = fair.gatesFor(subject);

  // another holder has the webhook's only lease, long enough for the gate not to count as fast
  expect((await gates.acquire([webhookGate!], 'elsewhere|1', 60_000, 0)).ok).toBe(true);
  await new Promise((resolve) => setTimeout(resolve, 200));
  for (const n of [1, 2, 3]) await queue.add('deliver', { flow: WEBHOOK, n }, { jobId: `job-${n}`, priority: n });

  // job 1 is refused and parked: its webhook is now hinted busy
  const first = await next('t1');
  await fair.probe(first); // no hint yet: nothing asked
  expect(modes).toEqual([]);
  await expect(fair.admit(first, subject)).rejects.toBeInstanceOf(DelayedError);
  expect(modes).toEqual(['admit']);

  // the lease comes back; job 2 is probed (the gates have room) and admitted
  await gates.release([webhookGate!], 'elsewhere|1');
  await queue.promoteJobs();
  const second = await next('t2');
  await fair.probe(second);
  expect(modes).toEqual(['admit', 'probe']);
  const lease = await fair.admit(second, subject);
  await fair.release(lease);

  // job 3: the hint is gone, so no probe; its only call is its own admission
  const third = await next('t3');
  await fair.probe(third);
  expect(modes).toEqual(['admit', 'probe', 'admit']);
  await fair.release(await fair.admit(third, subject));
  expect(modes).toEqual(['admit', 'probe', 'admit', 'admit']);
});
