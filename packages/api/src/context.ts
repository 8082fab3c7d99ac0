/** What the auth middleware leaves on the response for handlers and the request log. */
import type { Response } from 'express';
import { UnauthorizedError } from '@hookrelay/core';
import type { Principal } from './services/auth.js';

export interface RequestLocals {
  principal?: Principal;
  /** the tenant the request acted for, once known (logged) */
  tenant?: string;
}

export function principalOf(res: Response): Principal {
  const principal = (res.locals as RequestLocals).principal;
  // Only reachable if a /v1 router is mounted outside the authenticated chain.
  if (!principal) throw new UnauthorizedError('Not authenticated');
  return principal;
}

export function noteTenant(res: Response, tenant: string | null): void {
  if (tenant !== null) (res.locals as RequestLocals).tenant = tenant;
}
