/** API keys as the API shows them: never the key itself, except the once at creation. */
import type { ApiKey } from '@hookrelay/db';
import type { CreatedApiKey } from '../services/api-key-service.js';

export interface ApiKeyView {
  id: string;
  tenant: string;
  name: string | null;
  created_at: string;
  revoked_at: string | null;
}

export function presentApiKey(row: ApiKey): ApiKeyView {
  return { id: row.id, tenant: row.tenantId, name: row.name, created_at: row.createdAt.toISOString(), revoked_at: row.revokedAt?.toISOString() ?? null };
}

export function presentApiKeyList(rows: readonly ApiKey[]): { api_keys: ApiKeyView[] } {
  return { api_keys: rows.map(presentApiKey) };
}

export interface CreatedApiKeyView {
  id: string;
  tenant: string;
  name: string | null;
  key: string;
  created_at: string;
}

/** POST /v1/api-keys: the key, shown once (only its hash is stored). */
export function presentCreatedApiKey({ apiKey, key }: CreatedApiKey): CreatedApiKeyView {
  return { id: apiKey.id, tenant: apiKey.tenantId, name: apiKey.name, key, created_at: apiKey.createdAt.toISOString() };
}
