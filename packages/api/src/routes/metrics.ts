/** Prometheus scrape endpoint; like /healthz it needs no API key (keep it on an internal network). */
import type { Metrics } from '@hookrelay/delivery';
import { publicRoute, type RouteDefinition } from '../route-definition.js';

export function metricsRoutes(metrics: Metrics): RouteDefinition[] {
  return [
    publicRoute({
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus metrics',
      description: 'Requests by route and status with latency histograms, queue depth by state, process metrics.',
      tags: ['Operations'],
      responses: { 200: { description: 'Prometheus text format', contentType: 'text/plain', schema: { type: 'string' } } },
      handler: async () => {
        const { contentType, body } = await metrics.render();
        return { headers: { 'content-type': contentType }, body };
      },
    }),
  ];
}
