/**
 * Bearer-token authentication. The admin key comes from configuration; tenant
 * keys are random strings stored only as their sha256, so a database leak does
 * not leak usable keys.
 *
 * A header that resolved is trusted for AUTH_CACHE_TTL_MS without asking
 * again (no hash, no database lookup): a key revoked through another process
 * (or a portal session ended there) is refused within that second, one
 * revoked through this process at once (`forgetKey`), and a portal token is
 * never trusted past its `expires_at`. Refusals are not remembered: a key
 * created anywhere works on its first request.
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

/** Principals are shared by the requests of one cached header: none may change them. */
const ADMIN: Principal = Object.freeze({ isAdmin: true, tenant: null, keyId: null });

export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString('base64url');
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** How long a resolved `Authorization` header is trusted without a lookup: the longest a revoked key still works elsewhere. */
export const AUTH_CACHE_TTL_MS = 1000;
/** headers remembered at most; past it the cache starts again empty */
const AUTH_CACHE_MAX = 10_000;

export interface AuthServiceDeps {
  adminApiKey: string;
  apiKeys: ApiKeysRepository;
  /** without it, portal tokens are refused like unknown keys */
  portalSessions?: PortalSessionsRepository;
  /** the clock of the cache (tests) */
  now?: () => number;
}

interface Resolved {
  principal: Principal;
  /** trusted until then (ms since the epoch) */
  until: number;
}

export class AuthService {
  /** Comparing digests keeps the comparison constant-time whatever the lengths. */
  private readonly adminDigest: Buffer | null;
  /**
   * By the whole header value. A lookup hashes the caller's string and
   * compares contents only with an entry of the same hash, so it tells an
   * attacker nothing about a key; anything not found takes the
   * constant-time path below.
   */
  private readonly resolved = new Map<string, Resolved>();
  private readonly now: () => number;

  constructor(private readonly deps: AuthServiceDeps) {
    this.adminDigest = deps.adminApiKey ? digest(deps.adminApiKey) : null;
    this.now = deps.now ?? Date.now;
  }

  /** Resolves an `Authorization` header value; anything but a valid, unrevoked key is a 401. */
  async authenticate(authorization: string | undefined): Promise<Principal> {
    if (authorization === undefined) return this.resolve(authorization);
    const now = this.now();
    const hit = this.resolved.get(authorization);
    if (hit) {
      if (now < hit.until) return hit.principal;
      this.resolved.delete(authorization);
    }
    const principal = await this.resolve(authorization);
    if (this.resolved.size >= AUTH_CACHE_MAX) this.resolved.clear();
    const until = principal.isAdmin || !principal.portal ? now + AUTH_CACHE_TTL_MS : Math.min(now + AUTH_CACHE_TTL_MS, principal.portal.expiresAt.getTime());
    this.resolved.set(authorization, { principal, until });
    return principal;
  }

  /** A key (or portal session) revoked by this process: refused from its next request on. */
  forgetKey(keyId: string): void {
    for (const [header, { principal }] of this.resolved) if (principal.keyId === keyId) this.resolved.delete(header);
  }

  private async resolve(authorization: string | undefined): Promise<Principal> {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '');
    if (!match) throw new UnauthorizedError('Missing or malformed Authorization header; expected "Bearer <key>"');
    const token = match[1];
    if (this.adminDigest && timingSafeEqual(digest(token), this.adminDigest)) {
      return ADMIN;
    }
    if (token.startsWith(API_KEY_PREFIX)) {
      const key = await this.deps.apiKeys.findActiveByHash(hashApiKey(token));
      if (key) return Object.freeze({ isAdmin: false, tenant: key.tenantId, keyId: key.id });
    } else if (token.startsWith(PORTAL_TOKEN_PREFIX) && this.deps.portalSessions) {
      // expiry compared by the database's query; the cache above never trusts it past expiresAt
      const session = await this.deps.portalSessions.findActiveByHash(hashApiKey(token));
      if (session) {
        return Object.freeze({
          isAdmin: false,
          tenant: session.tenantId,
          keyId: session.id,
          portal: Object.freeze({ sessionId: session.id, readOnly: session.readOnly, expiresAt: session.expiresAt }),
        });
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
