/**
 * The stored signing secrets of every webhook, deleted ones included, for
 * re-sealing them after SECRET_ENCRYPTION_KEY is rotated. Raw SQL so that
 * replacing a secret's sealed form does not touch `updated_at` (the webhook
 * itself did not change).
 */
import type { Db } from './client.js';

export interface StoredSecrets {
  id: string;
  secret: string;
  previousSecret: string | null;
}

export class WebhookSecretsRepository {
  constructor(private readonly db: Db) {}

  /** A page of webhooks in id order, after `afterId`. */
  page(afterId: string | null, limit: number): Promise<StoredSecrets[]> {
    return this.db.$queryRaw<StoredSecrets[]>`
      SELECT id::text AS id, secret, previous_secret AS "previousSecret"
      FROM webhooks
      WHERE ${afterId}::uuid IS NULL OR id > ${afterId}::uuid
      ORDER BY id
      LIMIT ${limit}`;
  }

  /** Replaces the stored values unless they changed since `was` was read (a rotation meanwhile); true when replaced. */
  async replace(was: StoredSecrets, secret: string, previousSecret: string | null): Promise<boolean> {
    const count = await this.db.$executeRaw`
      UPDATE webhooks SET secret = ${secret}, previous_secret = ${previousSecret}
      WHERE id = ${was.id}::uuid AND secret = ${was.secret} AND previous_secret IS NOT DISTINCT FROM ${was.previousSecret}`;
    return count === 1;
  }
}
