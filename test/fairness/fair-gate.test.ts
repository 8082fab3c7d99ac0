/**
 * The gates' Lua against real Redis: caps, parking in order, promotion
 * hints on release, leases that expire (a crashed holder's permits come
 * back), forced leases (ping, resend), and flow positions.
 */
import { Redis } from 'ioredis';
import { FairGates, FlowPriorities, fairSnapshot, type Gate } from '@hookrelay/scheduling';
import { testQueuePrefix, testRedisUrl } from '../support/env.js';

let redis: Redis;
let prefix: string;
let gates: FairGates;

beforeAll(() => {
  redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
  prefix = testQueuePrefix();
  gates = new FairGates(redis, prefix);
});
afterAll(async () => {
  await redis.quit();
});

test('a full webhook parks jobs in their order and release names the head', async () => {
  const w: Gate[] = [
    { name: 'w:a', cap: 2 },
    { name: 't:x', cap: 100 },
  ];
  expect((await gates.acquire(w, 'j1', 10_000, 1)).ok).toBe(true);
  expect((await gates.acquire(w, 'j2', 10_000, 2)).ok).toBe(true);
  const refused = await gates.acquire(w, 'j4', 10_000, 4);
  expect(refused).toMatchObject({ ok: false, gate: { name: 'w:a' }, rank: 0 });
  expect(await gates.acquire(w, 'j3', 10_000, 3)).toMatchObject({ ok: false, rank: 0 });
  expect(await gates.inFlight('w:a')).toBe(2);
  // j1 done: one lease free, the earliest parked job (j3) is the one to promote
  expect(await gates.release(w, 'j1')).toEqual(['j3']);
  // a later job cannot overtake the parked j3 even with a free lease
  expect((await gates.acquire(w, 'j5', 10_000, 5)).ok).toBe(false);
  expect((await gates.acquire(w, 'j3', 10_000, 3)).ok).toBe(true);
  expect(await redis.zrange(gates.parkedKey('w:a'), 0, -1)).toEqual(['j4', 'j5']);
  const snapshot = await fairSnapshot(redis, prefix);
  expect(snapshot.inFlight.get('a')).toBe(2);
  expect(snapshot.parked.webhook).toBe(2);
});

test('a promotion is made once and its lease is kept for the promoted job', async () => {
  const g: Gate[] = [{ name: 'w:keep', cap: 2 }];
  for (const id of ['k1', 'k2']) expect((await gates.acquire(g, id, 10_000, 1)).ok).toBe(true);
  for (const id of ['k3', 'k4']) expect((await gates.acquire(g, id, 10_000, 3)).ok).toBe(false);
  expect(await gates.release(g, 'k1')).toEqual(['k3']);
  // k3 is on its way: the next release promotes k4 only, not k3 again
  expect(await gates.release(g, 'k2')).toEqual(['k4']);
  expect(await gates.release(g, '')).toEqual([]);
  // a newcomer cannot take the leases kept for k3 and k4
  expect((await gates.acquire(g, 'k9', 10_000, 0)).ok).toBe(false);
  expect((await gates.acquire(g, 'k4', 10_000, 3)).ok).toBe(true);
  expect((await gates.acquire(g, 'k3', 10_000, 3)).ok).toBe(true);
  // a kept promotion is answered again on request (the job was parked while being promoted)
  expect(await gates.release(g, 'k3', { keepMs: 200 })).toEqual(['k9']);
  expect(await gates.release(g, '', { again: 'k9', keepMs: 200 })).toEqual(['k9']);
  // an unused kept lease comes back after keepMs
  await new Promise((r) => setTimeout(r, 300));
  expect((await gates.acquire(g, 'k10', 10_000, 0)).ok).toBe(true);
});

test('at a fast gate a release promotes up to the cap ahead; the promoted wait only for a free lease', async () => {
  const g: Gate[] = [{ name: 'w:ahead', cap: 2 }];
  const fast = { ttlMs: 10_000, leaseAgeMs: 60_000 };
  for (const id of ['a1', 'a2']) expect((await gates.acquire(g, id, 10_000, 1)).ok).toBe(true);
  for (const id of ['a3', 'a4', 'a5']) expect((await gates.acquire(g, id, 10_000, 3)).ok).toBe(false);
  // one lease freed, but the gate is fast: two promoted (the cap), not one
  expect(await gates.release(g, 'a1', { fast })).toEqual(['a3', 'a4']);
  expect((await gates.acquire(g, 'a3', 10_000, 3)).ok).toBe(true);
  // a4 was promoted ahead: the gate is full, so it is refused but keeps its kept lease ...
  expect((await gates.acquire(g, 'a4', 10_000, 3)).ok).toBe(false);
  expect(await redis.zrange(gates.promotedKey('w:ahead'), 0, -1)).toEqual(['a4']);
  // ... and takes the next lease freed; that release promotes a5 ahead in turn
  expect(await gates.release(g, 'a2', { fast })).toEqual(['a5']);
  expect((await gates.acquire(g, 'a9', 10_000, 0)).ok).toBe(false);
  expect((await gates.acquire(g, 'a4', 10_000, 3)).ok).toBe(true);
  expect((await gates.acquire(g, 'a5', 10_000, 3)).ok).toBe(false);
  // not fast (no lease age given): only free leases are promoted
  expect(await gates.release(g, 'a3')).toEqual([]);
});

test('a promoted job parked again is answered again only once a lease is free for it', async () => {
  const g: Gate[] = [{ name: 'w:again', cap: 1 }];
  expect((await gates.acquire(g, 'g1', 10_000, 1)).ok).toBe(true);
  expect((await gates.acquire(g, 'g2', 10_000, 2)).ok).toBe(false);
  // a fast gate promotes g2 ahead while g1 still holds the lease
  expect(await gates.release(g, '', { fast: { ttlMs: 10_000, leaseAgeMs: 60_000 } })).toEqual(['g2']);
  // g2 is refused and parks again: answering it now would only have it fetched and parked once more, in a loop
  expect((await gates.acquire(g, 'g2', 10_000, 2)).ok).toBe(false);
  expect(await gates.release(g, '', { again: 'g2' })).toEqual([]);
  // its kept lease was given back: g1's release promotes it
  expect(await gates.release(g, 'g1')).toEqual(['g2']);
});

test('the tenant gate caps all of a tenant’s webhooks together', async () => {
  const of = (hook: string): Gate[] => [
    { name: `w:${hook}`, cap: 10 },
    { name: 't:busy', cap: 3 },
  ];
  for (const [i, hook] of ['b1', 'b2', 'b3'].entries()) expect((await gates.acquire(of(hook), `k${i}`, 10_000, 1)).ok).toBe(true);
  expect(await gates.acquire(of('b4'), 'k9', 10_000, 1)).toMatchObject({ ok: false, gate: { name: 't:busy' } });
  expect(await gates.release(of('b1'), 'k0')).toEqual(['k9']);
});

test('in flight per webhook, many at once: live leases only (a short lease does not cut the others short), zero for none', async () => {
  const gate = (w: string): Gate[] => [{ name: `w:${w}`, cap: 10 }];
  for (const holder of ['m1', 'm2', 'm3']) expect((await gates.acquire(gate('many-a'), holder, 10_000, 1)).ok).toBe(true);
  expect((await gates.acquire(gate('many-b'), 'm4', 10_000, 1)).ok).toBe(true);
  expect((await gates.acquire(gate('many-b'), 'm5', 1, 1)).ok).toBe(true); // another process's shorter lease: expires at once
  await new Promise((r) => setTimeout(r, 20));
  const counts = await gates.inFlightMany(['many-a', 'many-b', 'many-c']);
  expect([...counts]).toEqual([
    ['many-a', 3],
    ['many-b', 1],
    ['many-c', 0],
  ]);
  expect((await gates.inFlightMany([])).size).toBe(0);
});

test('a release of a full webhook gate is announced for other processes’ waiters; one below its cap is not', async () => {
  const sub = redis.duplicate();
  const heard: string[] = [];
  sub.on('message', (_channel: string, key: string) => heard.push(key));
  await sub.subscribe(gates.releasedChannel);
  try {
    const w: Gate[] = [
      { name: 'w:announced', cap: 2 },
      { name: 't:announced', cap: 100 },
    ];
    expect((await gates.acquire(w, 'a1', 10_000, 1)).ok).toBe(true);
    await gates.release(w, 'a1'); // 1 of 2 held: nobody can be waiting
    expect((await gates.acquire(w, 'a2', 10_000, 2)).ok).toBe(true);
    expect((await gates.acquire(w, 'a3', 10_000, 3)).ok).toBe(true);
    await gates.release(w, 'a2'); // full: announced
    await new Promise((r) => setTimeout(r, 100));
    expect(heard).toEqual([gates.leasesKey('w:announced')]);
    expect(gates.gateOfLeasesKey(heard[0]!)).toBe('w:announced');
    expect(gates.gateOfLeasesKey('other-prefix:fair:w:x:leases')).toBeNull();
  } finally {
    await sub.quit();
  }
});

test('leases expire: a crashed holder’s permits come back', async () => {
  const g: Gate[] = [{ name: 'w:crash', cap: 1 }];
  expect((await gates.acquire(g, 'dead', 300, 1)).ok).toBe(true);
  expect((await gates.acquire(g, 'next', 300, 2)).ok).toBe(false);
  await new Promise((r) => setTimeout(r, 400));
  expect((await gates.acquire(g, 'next', 300, 2)).ok).toBe(true);
});

test('a forced lease (ping, resend) is never refused but counts', async () => {
  const g: Gate[] = [{ name: 'w:ping', cap: 1 }];
  expect((await gates.acquire(g, 'job', 10_000, 1)).ok).toBe(true);
  expect((await gates.acquire(g, 'ping', 10_000, 0, 'force')).ok).toBe(true);
  expect(await gates.inFlight('w:ping')).toBe(2);
  expect((await gates.acquire(g, 'job2', 10_000, 2)).ok).toBe(false);
});

test('a probe parks a job that would be refused and takes nothing when it would pass', async () => {
  const g: Gate[] = [{ name: 'w:probe', cap: 1 }];
  expect((await gates.acquire(g, 'p1', 10_000, 1, 'probe')).ok).toBe(true);
  expect(await gates.inFlight('w:probe')).toBe(0);
  expect((await gates.acquire(g, 'p1', 10_000, 1)).ok).toBe(true);
  expect(await gates.acquire(g, 'p2', 10_000, 2, 'probe')).toMatchObject({ ok: false, rank: 0 });
  expect(await gates.inFlight('w:probe')).toBe(1);
  expect(await redis.zrange(gates.parkedKey('w:probe'), 0, -1)).toEqual(['p2']);
  // the parked head is promoted by the release, and its own probe then passes
  expect(await gates.release(g, 'p1')).toEqual(['p2']);
  expect((await gates.acquire(g, 'p2', 10_000, 2, 'probe')).ok).toBe(true);
});

test('flow positions: FIFO while a backlog exists, back to 1 once it drained', async () => {
  const flows = new FlowPriorities(redis, prefix);
  expect(await flows.priorities(['f', 'f', 'g', 'f'])).toEqual([1, 2, 1, 3]);
  await flows.done('f');
  // still two pending: positions keep growing (no overtaking of the older jobs)
  expect(await flows.priorities(['f'])).toEqual([4]);
  await flows.done('f');
  await flows.done('f');
  // the last one done with its lease's release (one round trip)
  await gates.release([{ name: 'w:f', cap: 1 }], 'nobody', { flowKey: flows.key('f') });
  expect(await flows.priorities(['f'])).toEqual([1]);
});

test('a webhook is slow after a long exchange, or while a lease is held long: then it also passes the slow gate', async () => {
  const slow = { webhookGate: 'w:sl', thresholdMs: 150, memoryMs: 10_000 };
  const g: Gate[] = [
    { name: 'w:sl', cap: 10 },
    { name: 's', cap: 1 },
  ];
  const ttl = 10_000;
  const fast = { ttlMs: ttl, leaseAgeMs: 0 };
  // not slow: the slow gate is skipped (two leases with a slow cap of 1)
  expect((await gates.acquire(g, 'a1', ttl, 1, 'admit', slow)).ok).toBe(true);
  expect((await gates.acquire(g, 'a2', ttl, 2, 'admit', slow)).ok).toBe(true);
  expect(await gates.inFlight('s')).toBe(0);
  // a short exchange keeps it fast
  await gates.release(g, 'a2', { slow, fast });
  expect(await redis.exists(gates.slowKey('w:sl'))).toBe(0);
  // a1 has been held 150 ms: the next acquire finds the webhook slow and takes the slow gate's one lease
  await new Promise((r) => setTimeout(r, 200));
  expect((await gates.acquire(g, 'a3', ttl, 3, 'admit', slow)).ok).toBe(true);
  expect(await redis.exists(gates.slowKey('w:sl'))).toBe(1);
  expect(await gates.inFlight('s')).toBe(1);
  expect(await gates.acquire(g, 'a4', ttl, 4, 'admit', slow)).toMatchObject({ ok: false, gate: { name: 's' } });
  // a1's release (a long exchange) keeps the mark; a3's (short) clears it
  await gates.release(g, 'a1', { slow, fast });
  expect(await redis.exists(gates.slowKey('w:sl'))).toBe(1);
  expect(await gates.release(g, 'a3', { slow, fast })).toEqual(['a4']);
  expect(await redis.exists(gates.slowKey('w:sl'))).toBe(0);
  expect((await fairSnapshot(redis, prefix)).parked.slow).toBe(1);
});
