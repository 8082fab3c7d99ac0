/**
 * The fallback after every router: 405 (with `Allow`) when the path is a
 * documented route under another method, else 404.
 */
import type { RequestHandler } from 'express';
import type { OpenApiBuilder } from '../openapi/builder.js';
import { problemFor, sendProblem } from './problem.js';

function templateToRegExp(path: string): RegExp {
  const escaped = path.split(/\{[^}]+\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('[^/]+')}/?$`);
}

export function notFound(openapi: OpenApiBuilder): RequestHandler {
  return (req, res) => {
    const allowed = openapi
      .operations()
      .filter((op) => templateToRegExp(op.path).test(req.path))
      .map((op) => op.method.toUpperCase());
    if (allowed.length > 0 && !allowed.includes(req.method)) {
      res.setHeader('Allow', [...new Set(allowed)].join(', '));
      sendProblem(res, problemFor(405, `${req.method} is not supported on ${req.path}`));
      return;
    }
    sendProblem(res, problemFor(404, `No route for ${req.method} ${req.path}`));
  };
}
