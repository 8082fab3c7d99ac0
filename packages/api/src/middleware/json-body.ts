/**
 * Body handling for the API: bodies must be UTF-8 JSON (415 otherwise), at most
 * 1 MiB (413; a route may set its own limit), and parse (400). A request without a body is left alone; the
 * route's schema decides whether it needed one.
 */
import express, { type RequestHandler } from 'express';
import { UnsupportedMediaTypeError } from '@hookrelay/core';

export const MAX_BODY_BYTES = 1024 * 1024;

function hasBody(headers: { 'content-length'?: string; 'transfer-encoding'?: string }): boolean {
  return headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0');
}

/** What nearly every client sends: JSON in UTF-8 for certain, no parsing needed to know it. */
const PLAIN_JSON = new Set(['application/json', 'application/json; charset=utf-8', 'application/json; charset=UTF-8', 'application/json;charset=utf-8']);

export const requireJsonContentType: RequestHandler = (req, _res, next) => {
  const type = req.headers['content-type'];
  if (type !== undefined && PLAIN_JSON.has(type)) return next();
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

/**
 * Mounted after requireJsonContentType, which has refused every body that
 * is not JSON: the parser need not look at the type again. A request with
 * no body is passed through by the parser before it asks.
 */
const checkedAlready = () => true;

function jsonParser(limit: number): RequestHandler {
  return express.json({ limit, strict: true, type: checkedAlready });
}

export const parseJsonBody: RequestHandler = jsonParser(MAX_BODY_BYTES);

/**
 * The JSON body parser with MAX_BODY_BYTES, except on the paths given
 * (full literal paths, e.g. `/v1/events:batch`), which get their own limit.
 */
export function parseJsonBodyWithLimits(limits: ReadonlyMap<string, number>): RequestHandler {
  if (!limits.size) return parseJsonBody;
  const parsers = new Map([...limits].map(([path, limit]) => [path, jsonParser(limit)]));
  return (req, res, next) => (parsers.get(req.baseUrl + req.path) ?? parseJsonBody)(req, res, next);
}
