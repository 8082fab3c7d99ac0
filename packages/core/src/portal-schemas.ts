/** `POST /v1/portal-sessions` body: which tenant, for how long, read-only or not. */
import Joi from 'joi';
import { tenantId } from './schemas.js';

export const PORTAL_TTL_DEFAULT_SECONDS = 3600;
export const PORTAL_TTL_MAX_SECONDS = 86400;

export const createPortalSessionSchema = Joi.object({
  tenant: tenantId,
  ttl_seconds: Joi.number().strict().integer().min(1).max(PORTAL_TTL_MAX_SECONDS).default(PORTAL_TTL_DEFAULT_SECONDS),
  read_only: Joi.boolean().strict().default(false),
});

export interface CreatePortalSessionInput {
  tenant?: string;
  ttl_seconds: number;
  read_only: boolean;
}
