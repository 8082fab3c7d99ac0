/**
 * Body handling for the API: bodies must be UTF-8 JSON (415 otherwise), at most
 * 1 MiB (413), and parse (400). A request without a body is left alone; the
 * route's schema decides whether it needed one.
 */
import express, { type RequestHandler } from 'express';
import { UnsupportedMediaTypeError } from '@hookrelay/core';

export const MAX_BODY_BYTES = 1024 * 1024;

function hasBody(headers: { 'content-length'?: string; 'transfer-encoding'?: string }): boolean {
  return headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0');
}

export const requireJsonContentType: RequestHandler = (req, _res, next) => {
  if (hasBody(req.headers) && !req.is(['application/json', 'application/*+json'])) {
    throw new UnsupportedMediaTypeError(`Request bodies must be application/json, not ${req.headers['content-type'] ?? 'unspecified'}`);
  }
  // JSON is UTF-8 (RFC 8259 §8.1); body-parser would decode any "utf-*" charset
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(req.headers['content-type'] ?? '')?.[1];
  if (hasBody(req.headers) && charset !== undefined && !/^utf-?8$/i.test(charset)) {
    throw new UnsupportedMediaTypeError(`Unsupported charset "${charset}"; JSON bodies must be UTF-8`);
  }
  next();
};

export const parseJsonBody: RequestHandler = express.json({
  limit: MAX_BODY_BYTES,
  strict: true,
  type: ['application/json', 'application/*+json'],
});
