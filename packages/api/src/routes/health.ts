/** Liveness and readiness probes; no auth, no database work for liveness. */
import { problemFor, problemReply } from '../middleware/problem.js';
import { publicRoute, type RouteDefinition } from '../route-definition.js';

export interface ReadinessReport {
  database: boolean;
  redis: boolean;
}

/** Asks each dependency; should answer within a few seconds whatever their state. */
export type ReadinessCheck = () => Promise<ReadinessReport>;

const tags = ['Operations'];

export function healthRoutes(readiness: ReadinessCheck): RouteDefinition[] {
  return [
    publicRoute({
      method: 'get',
      path: '/healthz',
      summary: 'Liveness: the process is up',
      tags,
      responses: { 200: { description: 'Up', schema: { type: 'object', properties: { status: { const: 'ok' } } } } },
      handler: () => ({ body: { status: 'ok' } }),
    }),
    publicRoute({
      method: 'get',
      path: '/readyz',
      summary: 'Readiness: Postgres and Redis answer',
      tags,
      responses: {
        200: {
          description: 'Ready',
          schema: { type: 'object', properties: { status: { const: 'ok' }, database: { type: 'boolean' }, redis: { type: 'boolean' } } },
        },
        503: { description: 'A dependency does not answer', schema: 'Problem', contentType: 'application/problem+json' },
      },
      handler: async () => {
        const report = await readiness().catch((): ReadinessReport => ({ database: false, redis: false }));
        if (report.database && report.redis) return { body: { status: 'ok', ...report } };
        const down = Object.entries(report)
          .filter(([, up]) => !up)
          .map(([name]) => name);
        return problemReply({ ...problemFor(503, `Not ready: ${down.join(' and ')} unreachable`), ...report });
      },
    }),
  ];
}
