/**
 * The tenant portal's two settings, parsed with the rest of the configuration:
 * - PUBLIC_BASE_URL: the origin (and optional path) portal links start with,
 *   for an API behind a proxy or ingress; unset, links use the request's origin.
 * - PORTAL_FRAME_ANCESTORS: space-separated origins allowed to frame the
 *   dashboard (CSP `frame-ancestors`); unset, nobody may (`'none'`).
 */
import Joi from 'joi';

export interface PortalConfig {
  /** without a trailing slash; null = the request's origin */
  publicBaseUrl: string | null;
  /** CSP `frame-ancestors` sources; empty = `'none'` */
  frameAncestors: string[];
}

/** A CSP host source that names an origin: `https://app.example.com`, `https://*.example.com:8443`, or `'self'`. */
const FRAME_ANCESTOR = /^(?:'self'|https?:\/\/(?:\*\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*(?::\d{1,5})?)$/;

const frameAncestors = Joi.string()
  .trim()
  .empty('')
  .custom((value: string, helpers) => {
    const sources = value.split(/\s+/);
    const bad = sources.find((s) => !FRAME_ANCESTOR.test(s));
    if (bad !== undefined)
      return helpers.message({ custom: `must be space-separated origins such as https://app.example.com (or 'self'); "${bad}" is not one` });
    return sources;
  });

export const portalEnvSchema = {
  // empty = unset, so that compose and Kubernetes can pass them through when not set
  PUBLIC_BASE_URL: Joi.string()
    .trim()
    .uri({ scheme: ['http', 'https'] })
    .empty(''),
  PORTAL_FRAME_ANCESTORS: frameAncestors,
};

export function portalConfig(value: { PUBLIC_BASE_URL?: string; PORTAL_FRAME_ANCESTORS?: string[] }): PortalConfig {
  return {
    publicBaseUrl: value.PUBLIC_BASE_URL ? value.PUBLIC_BASE_URL.replace(/\/+$/, '') : null,
    frameAncestors: value.PORTAL_FRAME_ANCESTORS ?? [],
  };
}
