// The load generator's HTTP client: node:http with one keep-alive Agent of
// HTTP_CONCURRENCY sockets, used for the API and for the bare Express route
// alike, so that both are measured with the same client.
import http from 'node:http';
import { ADMIN_API_KEY, HTTP_CONCURRENCY } from './options.mjs';

export const agent = new http.Agent({ keepAlive: true, maxSockets: HTTP_CONCURRENCY, keepAliveMsecs: 10_000 });

let apiPort;
export const setApiPort = (port) => {
  apiPort = port;
};

/**
 * One request; resolves `{status, body, text}` (body parsed when JSON).
 * `read: false`: a 2xx answer's bytes are received but not decoded or
 * parsed (`text` ''), for timed reads whose load generator shares the cores.
 */
export function request(port, method, urlPath, body, { read = true } = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: urlPath,
        agent,
        headers: {
          authorization: `Bearer ${ADMIN_API_KEY}`,
          ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
        },
        timeout: 30_000,
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          if (!read && res.statusCode >= 200 && res.statusCode < 300) return resolve({ status: res.statusCode, body: undefined, text: '' });
          const text = Buffer.concat(chunks).toString('utf8');
          let json;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode, body: json, text });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timeout')));
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

/** A request to the Hookrelay API, as the admin. */
export const api = (method, urlPath, body) => request(apiPort, method, urlPath, body);

export async function createWebhook(tenant, url) {
  const r = await api('POST', '/v1/webhooks', { tenant, url, enabled_events: ['CARD.CREATED'], is_enabled: true });
  if (r.status !== 201) throw new Error(`create webhook: HTTP ${r.status} ${r.text}`);
  return r.body.id;
}
