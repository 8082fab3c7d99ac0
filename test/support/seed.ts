/** Rows written straight through SQL, for tests of the data layer. */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { uniqueTenant } from './env.js';

/** A new tenant, an enabled webhook (to a closed port) and one CARD.CREATED event, ready for a notification. */
export async function seedWebhookEvent(pool: pg.Pool, prefix: string): Promise<{ tenant: string; webhookId: string; eventId: string }> {
  const tenant = uniqueTenant(prefix);
  await pool.query('INSERT INTO tenants (id) VALUES ($1) ON CONFLICT DO NOTHING', [tenant]);
  const webhookId = randomUUID();
  await pool.query(
    `INSERT INTO webhooks (id, tenant_id, url, enabled_events, is_enabled, secret, updated_at) VALUES ($1, $2, 'http://127.0.0.1:9/', '{*}', true, 'whsec_x', now())`,
    [webhookId, tenant],
  );
  const eventId = randomUUID();
  await pool.query(`INSERT INTO events (id, tenant_id, type, resource, event_time) VALUES ($1, $2, 'CARD.CREATED', '{}', now())`, [eventId, tenant]);
  return { tenant, webhookId, eventId };
}
