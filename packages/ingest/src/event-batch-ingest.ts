/**
 * POST /v1/events:batch behind the route: each event is published or refused
 * on its own, exactly as a single publish would be, but the batch's new events
 * and their notifications are written by ONE fan-out statement, so they are
 * all committed when it returns. Deliveries are enqueued afterwards, as for a
 * single event (when Redis is down the reconciler finds them).
 *
 * An idempotency key repeated inside the batch (same tenant) is written once,
 * by its first valid item; the later ones answer like a repeat publish would:
 * 200 with the first item's event.
 */
import { HookrelayError, ValidationError } from '@hookrelay/core';
import { isDataError, type FanOutResult, type FanOutStore, type NewEvent, type PrismaClient } from '@hookrelay/db';
import type { EventIngestService, EventInput, IngestResult } from './event-ingest-service.js';

/** One item that passed the checks needing no database (shape, size, tenant). */
export interface BatchEvent {
  tenant: string;
  event: EventInput;
}

/** An item's outcome: its result (new or duplicate), or why it was refused (a 4xx HookrelayError). */
export type BatchOutcome = { result: IngestResult; error?: undefined } | { error: HookrelayError; result?: undefined };

/** A client error: the item is refused alone. Anything else (Postgres down) fails the whole request. */
function refusal(error: unknown): HookrelayError | null {
  return error instanceof HookrelayError && error.status < 500 ? error : null;
}

export class EventBatchIngestService {
  constructor(
    private readonly db: PrismaClient,
    private readonly ingest: EventIngestService,
    private readonly store: FanOutStore,
  ) {}

  /** `items` in request order, each already checked (a BatchEvent) or refused (its error); the outcomes come back in the same order. */
  async ingestBatch(items: readonly (BatchEvent | HookrelayError)[]): Promise<BatchOutcome[]> {
    const outcomes: (BatchOutcome | undefined)[] = new Array(items.length);
    const prepared = await Promise.all(
      items.map(async (item, index): Promise<NewEvent | null> => {
        if (item instanceof HookrelayError) {
          outcomes[index] = { error: item };
          return null;
        }
        try {
          return await this.ingest.newEvent(item.tenant, item.event);
        } catch (error) {
          const refused = refusal(error);
          if (!refused) throw error;
          outcomes[index] = { error: refused };
          return null;
        }
      }),
    );

    // the first valid item of each (tenant, idempotency key) is written; later ones point at it
    const firstOf = new Map<string, number>();
    const aliasOf = new Map<number, number>();
    const toWrite: number[] = [];
    for (const [index, event] of prepared.entries()) {
      if (!event) continue;
      if (event.idempotencyKey !== null) {
        const key = `${event.tenantId}\n${event.idempotencyKey}`;
        const first = firstOf.get(key);
        if (first !== undefined) {
          aliasOf.set(index, first);
          continue;
        }
        firstOf.set(key, index);
      }
      toWrite.push(index);
    }

    const written = await this.write(toWrite.map((index) => prepared[index]!));
    await Promise.all(
      toWrite.map(async (index, i) => {
        const event = prepared[index]!;
        const saved = written[i]!;
        if (saved instanceof Error) {
          outcomes[index] = { error: saved };
        } else if (saved) {
          outcomes[index] = { result: { ...saved, duplicate: false } };
        } else {
          // a repeat of an event published before: the first event is the answer
          try {
            outcomes[index] = { result: await this.ingest.existing(this.db, event) };
          } catch (error) {
            const refused = refusal(error);
            if (!refused) throw error;
            outcomes[index] = { error: refused };
          }
        }
      }),
    );
    for (const [index, first] of aliasOf) {
      const answer = outcomes[first]!;
      outcomes[index] = answer.result ? { result: { ...answer.result, duplicate: true } } : answer;
    }

    await Promise.all(
      toWrite.map((_index, i) => {
        const saved = written[i];
        return saved && !(saved instanceof Error) ? this.ingest.enqueue(saved.notificationIds, saved.event.id, saved.webhookIds) : undefined;
      }),
    );
    return outcomes as BatchOutcome[];
  }

  /**
   * One statement for the whole batch. Should Postgres refuse the data of
   * one event (which validation is meant to prevent), the statement wrote
   * nothing and each event is written on its own so that only that one fails.
   */
  private async write(events: NewEvent[]): Promise<(FanOutResult | ValidationError)[]> {
    try {
      return await this.store.fanOutBatch(events);
    } catch (error) {
      if (!isDataError(error) || events.length < 2) {
        if (isDataError(error)) return [storeRefused()];
        throw error;
      }
    }
    const settled = await Promise.allSettled(events.map((event) => this.store.fanOut(event)));
    return settled.map((s) => {
      if (s.status === 'fulfilled') return s.value;
      if (isDataError(s.reason)) return storeRefused();
      throw s.reason;
    });
  }
}

function storeRefused(): ValidationError {
  return new ValidationError('The database refused the values of this event', [
    { field: 'resource', message: 'the event holds a value that cannot be stored' },
  ]);
}
