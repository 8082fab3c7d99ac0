/**
 * Tenant portal sessions: a platform (admin key, or a tenant key for its own
 * tenant) mints a short-lived token for one tenant and hands its customer a
 * dashboard link that signs in with it. The token is random, shown once,
 * stored only as its sha256, and never logged; it rides in the URL fragment,
 * which browsers never send to a server.
 */
import { randomBytes } from 'node:crypto';
import type { CreatePortalSessionInput } from '@hookrelay/core';
import type { PortalSessionsRepository, TenantsRepository } from '@hookrelay/db';
import { actingTenant, hashApiKey, PORTAL_TOKEN_PREFIX, refusePortal, type Principal } from './auth.js';

export interface CreatedPortalSession {
  /** shown once, stored only as its hash */
  token: string;
  /** the dashboard link that signs in with the token */
  url: string;
  expiresAt: Date;
}

/** What the dashboard learns about the session it signed in with. */
export interface CurrentPortalSession {
  tenant: string;
  readOnly: boolean;
  expiresAt: Date;
}

export interface PortalSessionServiceDeps {
  portalSessions: PortalSessionsRepository;
  tenants: TenantsRepository;
  /** PUBLIC_BASE_URL without a trailing slash; null = the request's origin */
  publicBaseUrl: string | null;
}

/** Ended sessions are kept this long (answers to them stay 401 either way). */
const EXPIRED_KEPT_MS = 24 * 3600 * 1000;

export function generatePortalToken(): string {
  return PORTAL_TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** `{base}/dashboard#token=<token>`: the token only in the fragment. */
export function portalUrl(base: string, token: string): string {
  return `${base.replace(/\/+$/, '')}/dashboard#token=${encodeURIComponent(token)}`;
}

export class PortalSessionService {
  constructor(private readonly deps: PortalSessionServiceDeps) {}

  /** `requestOrigin` is used only when PUBLIC_BASE_URL is not set. */
  async create(principal: Principal, input: CreatePortalSessionInput, requestOrigin: string): Promise<CreatedPortalSession> {
    refusePortal(principal, 'create portal sessions');
    const tenant = actingTenant(principal, input.tenant);
    await this.deps.tenants.ensure(tenant);
    const token = generatePortalToken();
    const expiresAt = new Date(Date.now() + input.ttl_seconds * 1000);
    await this.deps.portalSessions.create({ tenantId: tenant, tokenHash: hashApiKey(token), readOnly: input.read_only, expiresAt });
    // housekeeping: sessions that ended a day ago can go (an indexed range delete, usually empty)
    await this.deps.portalSessions.deleteExpired(new Date(Date.now() - EXPIRED_KEPT_MS));
    return { token, url: portalUrl(this.deps.publicBaseUrl ?? requestOrigin, token), expiresAt };
  }

  /** The caller's own portal session, or null for an API key. */
  current(principal: Principal): CurrentPortalSession | null {
    if (principal.isAdmin || !principal.portal) return null;
    return { tenant: principal.tenant, readOnly: principal.portal.readOnly, expiresAt: principal.portal.expiresAt };
  }
}
