/**
 * The stored signing secrets of every webhook, deleted ones included, with
 * the other sealed values (header values, the auth secret, inside the
 * `headers` and `auth` jsonb), for re-sealing them after
 * SECRET_ENCRYPTION_KEY is rotated. Raw SQL so that
 * replacing a secret's sealed form does not touch `updated_at` (the webhook
 * itself did not change).
 */
import type { Db } from './client.js';

export interface StoredSecrets {
  id: string;
  secret: string;
  previousSecret: string | null;
  /** jsonb as stored: {name: sealed value} or null */
  headers: unknown;
  /** jsonb as stored: {type, ..., one sealed field} or null */
  auth: unknown;
}

const jsonb = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));

export class WebhookSecretsRepository {
  constructor(private readonly db: Db) {}

  /** A page of webhooks in id order, after `afterId`. */
  page(afterId: string | null, limit: number): Promise<StoredSecrets[]> {
    return this.db.$queryRaw<StoredSecrets[]>`
      SELECT id::text AS id, secret, previous_secret AS "previousSecret", headers, auth
      FROM webhooks
      WHERE ${afterId}::uuid IS NULL OR id > ${afterId}::uuid
      ORDER BY id
      LIMIT ${limit}`;
  }

  /** Replaces the stored values unless they changed since `was` was read (a rotation meanwhile); true when replaced. */
  async replace(was: StoredSecrets, now: Omit<StoredSecrets, 'id'>): Promise<boolean> {
    const count = await this.db.$executeRaw`
      UPDATE webhooks SET secret = ${now.secret}, previous_secret = ${now.previousSecret},
        headers = ${jsonb(now.headers)}::jsonb, auth = ${jsonb(now.auth)}::jsonb
      WHERE id = ${was.id}::uuid AND secret = ${was.secret} AND previous_secret IS NOT DISTINCT FROM ${was.previousSecret}
        AND headers IS NOT DISTINCT FROM ${jsonb(was.headers)}::jsonb AND auth IS NOT DISTINCT FROM ${jsonb(was.auth)}::jsonb`;
    return count === 1;
  }
}
