/**
 * Body handling for the API: bodies must be JSON (415 otherwise), at most
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
  next();
};

export const parseJsonBody: RequestHandler = express.json({
  limit: MAX_BODY_BYTES,
  strict: true,
  type: ['application/json', 'application/*+json'],
});
