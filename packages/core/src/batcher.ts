/**
 * Group commit for hot statements and Redis calls. Callers submit one item
 * each and get their own result back, but the items travel together: while
 * `maxInFlight` batches are running, new items wait and leave as one batch as
 * soon as a slot frees. An idle system therefore sends each item at once (one
 * event-loop turn later, so items submitted together share a call) and a
 * busy one pays one round trip (for Postgres: one plan and one WAL flush) per
 * batch instead of per item.
 */
export interface BatcherOptions {
  /** most items in one statement */
  maxBatch: number;
  /** batches running at the same time (pool connections it may hold) */
  maxInFlight: number;
  /**
   * When a batch of several fails with an error this accepts (the data of one
   * item was refused, say), each item is retried on its own so that one bad
   * item cannot fail the others. Any other failure fails them all at once.
   */
  isolateOn?: (error: unknown) => boolean;
}

interface Pending<I, O> {
  item: I;
  resolve(value: O): void;
  reject(reason: unknown): void;
}

export class Batcher<I, O> {
  private queue: Pending<I, O>[] = [];
  private inFlight = 0;
  private scheduled = false;

  /** `run` gets a batch and returns one result per item, in order. */
  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly options: BatcherOptions,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.options.maxInFlight || !this.queue.length) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.inFlight < this.options.maxInFlight && this.queue.length) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.inFlight++;
      void this.execute(batch).finally(() => {
        this.inFlight--;
        this.schedule();
      });
    }
  }

  private async execute(batch: Pending<I, O>[]): Promise<void> {
    try {
      const results = await this.run(batch.map((p) => p.item));
      for (const [i, p] of batch.entries()) p.resolve(results[i] as O);
    } catch (error) {
      if (batch.length === 1 || !this.options.isolateOn?.(error)) {
        for (const p of batch) p.reject(error);
        return;
      }
      await Promise.all(
        batch.map(async (p) => {
          try {
            const [result] = await this.run([p.item]);
            p.resolve(result as O);
          } catch (itemError) {
            p.reject(itemError);
          }
        }),
      );
    }
  }
}
