/**
 * Requests over raw node:http: no fetch normalisation of paths, encodings
 * or headers, so a test can send exactly the bytes an attacker would.
 */
import http from 'node:http';

export interface RawRequest {
  method: string;
  path: string;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export function sendRaw(port: number, r: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request({ host: '127.0.0.1', port, method: r.method, path: r.path, agent: false }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    for (const [name, value] of Object.entries(r.headers ?? {})) req.setHeader(name, value);
    if (r.body !== undefined) req.setHeader('content-length', Buffer.byteLength(r.body));
    // the server may answer (413, 405, 401) and close before it read a large body
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    req.end(r.body);
  });
}
