/**
 * The delivery slots of the whole worker fleet, which the tenant and retry
 * caps are a share of. Each worker announces `<worker id>|<concurrency>` in
 * the sorted set `<prefix>:fair:fleet` with an expiry (its lease), renewed
 * every few seconds; the total is the sum of the live entries. A SIGKILLed
 * worker drops out when its entry expires.
 */
import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

const HEARTBEAT_MS = 5000;
const ENTRY_TTL_MS = 15_000;

export class FleetCapacity {
  readonly workerId = randomUUID();
  private total: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis | Cluster,
    private readonly prefix: string,
    private readonly concurrency: number,
  ) {
    this.total = concurrency;
  }

  private get key(): string {
    return `${this.prefix}:fair:fleet`;
  }

  /** Slots of every live worker (this one included), as of the last heartbeat. */
  slots(): number {
    return Math.max(this.concurrency, this.total);
  }

  async beat(): Promise<void> {
    const now = Date.now();
    await this.redis.zadd(this.key, now + ENTRY_TTL_MS, `${this.workerId}|${this.concurrency}`);
    await this.redis.zremrangebyscore(this.key, '-inf', now);
    const members = await this.redis.zrange(this.key, 0, -1);
    this.total = members.reduce((sum, m) => sum + (Number(m.split('|')[1]) || 0), 0);
  }

  async start(): Promise<void> {
    await this.beat().catch(() => undefined);
    const tick = () => {
      this.beat()
        .catch(() => undefined)
        .finally(() => {
          if (this.timer !== undefined) this.timer = setTimeout(tick, HEARTBEAT_MS).unref();
        });
    };
    this.timer = setTimeout(tick, HEARTBEAT_MS).unref();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.redis.zrem(this.key, `${this.workerId}|${this.concurrency}`).catch(() => 0);
  }
}
