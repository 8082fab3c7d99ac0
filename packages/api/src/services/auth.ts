/**
 * Bearer-token authentication. The admin key comes from configuration; tenant
 * keys are random strings stored only as their sha256, so a database leak does
 * not leak usable keys.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ForbiddenError, UnauthorizedError } from '@hookrelay/core';
import type { ApiKeysRepository, PortalSessionsRepository } from '@hookrelay/db';

export const API_KEY_PREFIX = 'hr_';
/** portal session tokens (POST /v1/portal-sessions) */
export const PORTAL_TOKEN_PREFIX = 'hrp_';

/** What a portal token may do beyond its tenant scope. */
export interface PortalScope {
  sessionId: string;
  readOnly: boolean;
  expiresAt: Date;
}
export const DEFAULT_TENANT = 'default';

export type Principal = { isAdmin: true; tenant: null; keyId: null } | { isAdmin: false; tenant: string; keyId: string; portal?: PortalScope };

export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString('base64url');
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

export interface AuthServiceDeps {
  adminApiKey: string;
  apiKeys: ApiKeysRepository;
  /** without it, portal tokens are refused like unknown keys */
  portalSessions?: PortalSessionsRepository;
}

export class AuthService {
  /** Comparing digests keeps the comparison constant-time whatever the lengths. */
  private readonly adminDigest: Buffer | null;

  constructor(private readonly deps: AuthServiceDeps) {
    this.adminDigest = deps.adminApiKey ? digest(deps.adminApiKey) : null;
  }

  /** Resolves an `Authorization` header value; anything but a valid, unrevoked key is a 401. */
  async authenticate(authorization: string | undefined): Promise<Principal> {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '');
    if (!match) throw new UnauthorizedError('Missing or malformed Authorization header; expected "Bearer <key>"');
    const token = match[1];
    if (this.adminDigest && timingSafeEqual(digest(token), this.adminDigest)) {
      return { isAdmin: true, tenant: null, keyId: null };
    }
    if (token.startsWith(API_KEY_PREFIX)) {
      const key = await this.deps.apiKeys.findActiveByHash(hashApiKey(token));
      if (key) return { isAdmin: false, tenant: key.tenantId, keyId: key.id };
    } else if (token.startsWith(PORTAL_TOKEN_PREFIX) && this.deps.portalSessions) {
      // looked up on every request, expiry compared by the database's query: no cache to outlive it
      const session = await this.deps.portalSessions.findActiveByHash(hashApiKey(token));
      if (session) {
        return {
          isAdmin: false,
          tenant: session.tenantId,
          keyId: session.id,
          portal: { sessionId: session.id, readOnly: session.readOnly, expiresAt: session.expiresAt },
        };
      }
      throw new UnauthorizedError('This portal link has expired or is not valid; ask for a new one');
    }
    throw new UnauthorizedError('Invalid or revoked API key');
  }
}

/** The tenant a call acts for: the admin picks one (default `default`), a tenant key only its own. */
export function actingTenant(principal: Principal, requested: string | undefined): string {
  if (principal.isAdmin) return requested ?? DEFAULT_TENANT;
  if (requested !== undefined && requested !== principal.tenant) {
    throw new ForbiddenError('This API key may act only for its own tenant');
  }
  return principal.tenant;
}

/**
 * The tenant scope of a lookup by id: null (any tenant) for the admin when no
 * tenant was named, so an admin can address any resource by its id alone.
 */
export function lookupTenant(principal: Principal, requested: string | undefined): string | null {
  if (principal.isAdmin && requested === undefined) return null;
  return actingTenant(principal, requested);
}

export function requireAdmin(principal: Principal): void {
  if (!principal.isAdmin) throw new ForbiddenError('Only the admin API key may do this');
}

/** Portal tokens manage webhooks; they never mint credentials (portal sessions, API keys). */
export function refusePortal(principal: Principal, what: string): void {
  if (!principal.isAdmin && principal.portal) throw new ForbiddenError(`A portal session cannot ${what}`);
}

/** A read-only portal session reads, and changes nothing (ping, resend and sendexpired included). */
export function refuseReadOnlyPortal(principal: Principal): void {
  if (!principal.isAdmin && principal.portal?.readOnly) throw new ForbiddenError('This portal session is read-only');
}
