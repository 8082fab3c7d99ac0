/** What the fair-delivery gates hold now (leases, parked jobs), read for /metrics and the dashboard. */
import type { Cluster, Redis } from 'ioredis';

/** What the gates hold now, for /metrics and the dashboard. */
export interface FairSnapshot {
  /** leases held per webhook id (webhooks with at least one) */
  inFlight: Map<string, number>;
  /** parked jobs per kind of gate (slow: the fleet's gate for slow webhooks) */
  parked: { webhook: number; tenant: number; retry: number; slow: number };
}

const SCAN_LIMIT = 10_000;

/** Reads every gate's sets (SCAN under the prefix; on a cluster, every master). At most SCAN_LIMIT keys. */
export async function fairSnapshot(redis: Redis | Cluster, prefix: string): Promise<FairSnapshot> {
  const nodes: Redis[] = 'nodes' in redis && typeof redis.nodes === 'function' ? (redis as Cluster).nodes('master') : [redis as Redis];
  const keys: string[] = [];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, found] = await node.scan(cursor, 'MATCH', `${prefix}:fair:*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0' && keys.length < SCAN_LIMIT);
  }
  const snapshot: FairSnapshot = { inFlight: new Map(), parked: { webhook: 0, tenant: 0, retry: 0, slow: 0 } };
  const base = `${prefix}:fair:`;
  const now = Date.now();
  const counted = keys.filter((k) => k.endsWith(':leases') || k.endsWith(':parked'));
  const counts = await Promise.all(counted.map((k) => (k.endsWith(':leases') ? redis.zcount(k, now, '+inf') : redis.zcard(k))));
  counted.forEach((key, i) => {
    const gate = key.slice(base.length, key.lastIndexOf(':'));
    const n = counts[i] ?? 0;
    if (key.endsWith(':leases')) {
      if (gate.startsWith('w:') && n > 0) snapshot.inFlight.set(gate.slice(2), n);
    } else if (gate.startsWith('w:')) snapshot.parked.webhook += n;
    else if (gate.startsWith('t:')) snapshot.parked.tenant += n;
    else if (gate === 's') snapshot.parked.slow += n;
    else if (gate === 'r') snapshot.parked.retry += n;
  });
  return snapshot;
}
