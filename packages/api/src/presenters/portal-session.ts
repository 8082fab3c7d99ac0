/** Portal sessions: the token and link once at creation, then what the dashboard learns about its own session. */
import type { CreatedPortalSession, CurrentPortalSession } from '../services/portal-session-service.js';

export interface CreatedPortalSessionView {
  token: string;
  url: string;
  expires_at: string;
}

/** GET /v1/portal-sessions/current */
export interface PortalSessionView {
  tenant: string;
  read_only: boolean;
  expires_at: string;
}

export function presentCreatedPortalSession(created: CreatedPortalSession): CreatedPortalSessionView {
  return { token: created.token, url: created.url, expires_at: created.expiresAt.toISOString() };
}

export function presentPortalSession(session: CurrentPortalSession): PortalSessionView {
  return { tenant: session.tenant, read_only: session.readOnly, expires_at: session.expiresAt.toISOString() };
}
