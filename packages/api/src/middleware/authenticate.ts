import type { RequestHandler } from 'express';
import type { AuthService } from '../services/auth.js';
import type { RequestLocals } from '../context.js';

export function authenticate(auth: AuthService): RequestHandler {
  return async (req, res, next) => {
    const principal = await auth.authenticate(req.headers.authorization);
    const locals = res.locals as RequestLocals;
    locals.principal = principal;
    if (principal.tenant !== null) locals.tenant = principal.tenant;
    next();
  };
}
