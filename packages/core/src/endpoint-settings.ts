/**
 * A webhook's `headers` and `auth` as stored, as sent and as shown.
 *
 * Stored (jsonb columns `headers` and `auth`): header names and the
 * non-secret auth fields in clear, every header value and the password,
 * token or client_secret sealed by the SecretBox (AES-256-GCM with
 * SECRET_ENCRYPTION_KEY, like the signing secret). Shown: header names with
 * HEADER_VALUE_MASK, the auth `type` and its non-secret fields.
 */
import { ValidationError } from './errors.js';
import { HEADER_VALUE_MASK, type AuthType } from './endpoint-schemas.js';
import type { SecretBox } from './secret-box.js';

export type EndpointHeaders = Record<string, string>;

export type EndpointAuth =
  | { type: 'basic'; username: string; password: string }
  | { type: 'bearer'; token: string }
  | { type: 'oauth2_client_credentials'; token_url: string; client_id: string; client_secret: string; scope?: string; audience?: string };

export type OAuth2ClientCredentials = Extract<EndpointAuth, { type: 'oauth2_client_credentials' }>;

/** What reads show of `auth`: no secret field. */
export type EndpointAuthView =
  | { type: 'basic'; username: string }
  | { type: 'bearer' }
  | { type: 'oauth2_client_credentials'; token_url: string; client_id: string; scope?: string; audience?: string };

/** The field each auth type keeps secret. */
const SECRET_FIELD: Record<AuthType, 'password' | 'token' | 'client_secret'> = {
  basic: 'password',
  bearer: 'token',
  oauth2_client_credentials: 'client_secret',
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Stored headers (jsonb, read back as anything) as name → stored value pairs; anything malformed counts as none. */
export function storedHeaderEntries(stored: unknown): [string, string][] {
  if (!isRecord(stored)) return [];
  return Object.entries(stored).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
}

function storedAuth(stored: unknown): (Record<string, unknown> & { type: AuthType }) | null {
  if (!isRecord(stored) || typeof stored.type !== 'string' || !Object.hasOwn(SECRET_FIELD, stored.type)) return null;
  return stored as Record<string, unknown> & { type: AuthType };
}

/**
 * What to store for `headers` given on a write. null or {} removes them. A
 * value equal to HEADER_VALUE_MASK keeps the stored value of that name, so
 * that a webhook read and written back does not replace its values with the
 * mask; a masked value for a name with no stored value is a 400.
 */
export function sealHeaders(input: EndpointHeaders | null, box: SecretBox, current: unknown = null): EndpointHeaders | null {
  if (!input || Object.keys(input).length === 0) return null;
  const stored = new Map(storedHeaderEntries(current).map(([name, value]) => [name.toLowerCase(), value]));
  const sealed: [string, string][] = [];
  for (const [name, value] of Object.entries(input)) {
    if (value === HEADER_VALUE_MASK) {
      const kept = stored.get(name.toLowerCase());
      if (kept === undefined) {
        const field = `headers.${name}`;
        throw new ValidationError(`"${field}" is the mask "${HEADER_VALUE_MASK}" but the webhook has no value for it`, [
          { field, message: `"${field}" is the mask "${HEADER_VALUE_MASK}" but the webhook has no stored value to keep` },
        ]);
      }
      sealed.push([name, kept]);
    } else {
      sealed.push([name, box.seal(value)]);
    }
  }
  return Object.fromEntries(sealed);
}

/** The headers to send, opened. */
export function openHeaders(stored: unknown, box: SecretBox): [string, string][] {
  return storedHeaderEntries(stored).map(([name, value]) => [name, box.open(value)]);
}

/** What reads show: every name (in alphabetical order: jsonb keeps its own), every value masked; {} when there are none. */
export function maskedHeaders(stored: unknown): EndpointHeaders {
  const names = storedHeaderEntries(stored).map(([name]) => name);
  names.sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
  return Object.fromEntries(names.map((name) => [name, HEADER_VALUE_MASK]));
}

/** What to store for `auth` given on a write: its secret field sealed. */
export function sealAuth(input: EndpointAuth | null, box: SecretBox): Record<string, string> | null {
  if (!input) return null;
  const field = SECRET_FIELD[input.type];
  const stored: Record<string, string> = { ...(input as unknown as Record<string, string>) };
  stored[field] = box.seal(stored[field] ?? '');
  return stored;
}

/** The credentials to send, opened; null when there are none. */
export function openAuth(stored: unknown, box: SecretBox): EndpointAuth | null {
  const auth = storedAuth(stored);
  if (!auth) return null;
  const field = SECRET_FIELD[auth.type];
  return { ...auth, [field]: box.open(String(auth[field] ?? '')) } as EndpointAuth;
}

/** What reads show of `auth`: the type and its non-secret fields; null when there is none. */
export function authView(stored: unknown): EndpointAuthView | null {
  const auth = storedAuth(stored);
  if (!auth) return null;
  const pick = (...fields: string[]) => Object.fromEntries(fields.filter((f) => typeof auth[f] === 'string').map((f) => [f, auth[f] as string]));
  switch (auth.type) {
    case 'basic':
      return { type: 'basic', ...pick('username') } as EndpointAuthView;
    case 'bearer':
      return { type: 'bearer' };
    case 'oauth2_client_credentials':
      return { type: 'oauth2_client_credentials', ...pick('token_url', 'client_id', 'scope', 'audience') } as EndpointAuthView;
  }
}

/**
 * Stored headers and auth with every sealed value passed through `reseal`
 * (secrets:rekey); the same objects back when nothing changed.
 */
export function resealEndpointSettings(stored: { headers: unknown; auth: unknown }, reseal: (value: string) => string): { headers: unknown; auth: unknown } {
  let headers = stored.headers;
  const entries = storedHeaderEntries(stored.headers);
  const resealed = entries.map(([name, value]) => [name, reseal(value)] as const);
  if (resealed.some(([, value], i) => value !== entries[i]![1])) headers = Object.fromEntries(resealed);
  let auth = stored.auth;
  const current = storedAuth(stored.auth);
  if (current) {
    const field = SECRET_FIELD[current.type];
    const value = current[field];
    const next = typeof value === 'string' ? reseal(value) : value;
    if (next !== value) auth = { ...current, [field]: next };
  }
  return { headers, auth };
}
