/** Counts and times every request by method, route template and status. */
import type { RequestHandler } from 'express';
import type { Metrics } from '@hookrelay/delivery';

export function requestMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const stop = metrics.httpDuration.startTimer();
    res.on('finish', () => {
      // the route template keeps label cardinality bounded; unmatched paths share one label
      const route = (req.route?.path as string | undefined) ? `${req.baseUrl}${req.route.path}` : 'unmatched';
      metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      stop({ method: req.method, route });
    });
    next();
  };
}
