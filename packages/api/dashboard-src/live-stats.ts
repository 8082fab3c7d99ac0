// GET /v1/stats, every 2 s: the counts, the webhooks table and the live indicator.
import { api } from './api-client.js';
import type { TenantStats } from './api-types.js';
import { renderCounts, setLive } from './counts.js';
import { state } from './page-state.js';
import { loadWebhookList, renderWebhooks } from './webhooks-table.js';

export async function refreshStats(): Promise<void> {
  const generation = state.generation;
  const stats = await api<TenantStats>('GET', '/v1/stats');
  if (generation !== state.generation) return;
  const unknown = stats.webhooks.some((w) => !state.webhooks.has(w.webhook_id));
  state.stats = stats;
  if (unknown) await loadWebhookList().catch(() => {});
  renderCounts(stats);
  renderWebhooks();
  setLive(true, `live · updated ${new Date(stats.generated_at).toLocaleTimeString()}`);
}
