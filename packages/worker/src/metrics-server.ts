/** The worker's small HTTP port: GET /metrics (Prometheus text) and GET /healthz. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@hookrelay/core';
import type { Metrics } from '@hookrelay/delivery';

export async function startMetricsServer(metrics: Metrics, port: number, logger: Logger): Promise<Server | null> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
      metrics.render().then(
        ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
        () => res.writeHead(500).end(),
      );
    } else if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    } else {
      res.writeHead(404, { 'content-type': 'application/problem+json' }).end('{"type":"about:blank","title":"Not Found","status":404,"detail":"Not found"}');
    }
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, resolve);
    });
  } catch (error) {
    // several workers on one host: only the first gets the port; the others keep working
    logger.warn({ err: error, port }, 'metrics port unavailable; this worker serves no /metrics');
    return null;
  }
  logger.info({ port: (server.address() as AddressInfo).port }, 'worker metrics listening');
  return server;
}
