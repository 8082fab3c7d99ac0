/** The `tenant` a request names, in its JSON body or its `?tenant=` query (body first). */
import type { Request } from 'express';
import { tenantQuery, validate } from '@hookrelay/core';

export function requestedTenant(req: Request, bodyTenant?: string): string | undefined {
  if (bodyTenant !== undefined) return bodyTenant;
  return validate<{ tenant?: string }>(tenantQuery, req.query, 'query').tenant;
}
