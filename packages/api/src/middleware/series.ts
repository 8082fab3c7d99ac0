/**
 * Several middlewares run as one Express layer. Each layer costs the router
 * a path match, a prefix trim and restore and a `next` of its own on every
 * request; the /v1 chain (auth, portal guard, content type, body) runs on
 * every API call, so it is mounted as one. Same contract as Express's:
 * `next(error)` (or a throw, or a rejected promise) skips to the error
 * handlers, `next()` runs the following middleware.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';

export function series(...handlers: RequestHandler[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    let i = 0;
    const step = (error?: unknown): void => {
      if (error) {
        next(error);
        return;
      }
      const handler = handlers[i++];
      if (!handler) {
        next();
        return;
      }
      try {
        const ret: unknown = handler(req, res, step);
        if (ret instanceof Promise) ret.catch((e: unknown) => next(e ?? new Error('Rejected promise')));
      } catch (e) {
        next(e);
      }
    };
    step();
  };
}
