/** Counts and times every request by method, route template and status. */
import type { Request, Response } from 'express';
import type { Metrics } from '@hookrelay/delivery';

interface LabelSets {
  request: { method: string; route: string; status: string };
  duration: { method: string; route: string };
}

/** label combinations remembered at most (route templates keep them few; past it they are built again) */
const MAX_LABEL_SETS = 1000;

/**
 * Called once per answered request (by the request logger, which already
 * listens for its end). The label objects of each (method, route, status)
 * are built once and reused: prom-client copies what it keeps.
 */
export class RequestMetrics {
  private readonly labels = new Map<string, LabelSets>();

  constructor(private readonly metrics: Metrics) {}

  record(req: Request, res: Response, seconds: number): void {
    // the route template keeps label cardinality bounded; unmatched paths share one label
    const route = (req.route?.path as string | undefined) ? `${req.baseUrl}${req.route.path}` : 'unmatched';
    const key = `${req.method} ${res.statusCode} ${route}`;
    let sets = this.labels.get(key);
    if (!sets) {
      if (this.labels.size >= MAX_LABEL_SETS) this.labels.clear();
      sets = { request: { method: req.method, route, status: String(res.statusCode) }, duration: { method: req.method, route } };
      this.labels.set(key, sets);
    }
    this.metrics.httpRequests.inc(sets.request);
    this.metrics.httpDuration.observe(sets.duration, seconds);
  }
}
