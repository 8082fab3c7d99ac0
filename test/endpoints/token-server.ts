/**
 * A real OAuth2 token endpoint for tests (client credentials grant, RFC 6749
 * §4.4): checks the form body and the client's HTTP Basic credentials,
 * counts the requests it answers, issues `tok_<random>_N` with the `expires_in`
 * the test sets, and can revoke tokens, fail, or answer slowly.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TokenRequest {
  form: Record<string, string>;
  clientId: string | null;
  clientSecret: string | null;
  contentType: string | undefined;
}

export interface TokenServer {
  url: string;
  /** every request answered, in order */
  requests: TokenRequest[];
  /** every token issued, in order */
  issued: string[];
  /** the client credentials it accepts */
  client: { id: string; secret: string };
  /** seconds in expires_in (null: none given) */
  expiresIn: number | null;
  /** answered this status instead of a token (null: tokens) */
  failWith: number | null;
  delayMs: number;
  /** true for a token it issued, not revoked and not expired */
  isValid(token: string | undefined): boolean;
  revokeAll(): void;
  close(): Promise<void>;
}

function basicCredentials(header: string | undefined): [string, string] | null {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  // RFC 6749 §2.3.1: both parts are form-urlencoded
  const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
  return [decode(decoded.slice(0, colon)), decode(decoded.slice(colon + 1))];
}

export async function startTokenServer(client: { id: string; secret: string }): Promise<TokenServer> {
  const issued = new Map<string, number>();
  const prefix = randomBytes(6).toString('hex');
  const state: TokenServer = {
    url: '',
    requests: [],
    issued: [],
    client,
    expiresIn: 3600,
    failWith: null,
    delayMs: 0,
    isValid(token) {
      const expiresAt = token === undefined ? undefined : issued.get(token);
      return expiresAt !== undefined && expiresAt > Date.now();
    },
    revokeAll() {
      issued.clear();
    },
    close: async () => {},
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      const credentials = basicCredentials(req.headers.authorization);
      state.requests.push({ form, clientId: credentials?.[0] ?? null, clientSecret: credentials?.[1] ?? null, contentType: req.headers['content-type'] });
      const answer = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const reply = () => {
        if (state.failWith !== null) return answer(state.failWith, { error: 'server_error' });
        if (req.method !== 'POST' || form.grant_type !== 'client_credentials') return answer(400, { error: 'unsupported_grant_type' });
        if (!credentials || credentials[0] !== state.client.id || credentials[1] !== state.client.secret) return answer(401, { error: 'invalid_client' });
        const token = `tok_${prefix}_${state.issued.length + 1}`;
        state.issued.push(token);
        const lifetime = state.expiresIn ?? 3600;
        issued.set(token, Date.now() + lifetime * 1000);
        answer(200, { access_token: token, token_type: 'Bearer', ...(state.expiresIn === null ? {} : { expires_in: state.expiresIn }) });
      };
      if (state.delayMs) setTimeout(reply, state.delayMs);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/token`;
  state.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return state;
}
