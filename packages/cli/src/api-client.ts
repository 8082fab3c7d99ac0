/**
 * A thin fetch wrapper for the Hookrelay management API: bearer auth, the
 * `tenant` an admin key acts for, JSON in and out, and typed errors —
 * ApiError for a 4xx/5xx (with its problem+json), UnreachableError when no
 * HTTP answer came back at all.
 */
import { ApiError, UnreachableError, UsageError, type Problem } from './errors.js';

export interface ApiClientOptions {
  baseUrl: string;
  apiKey?: string;
  /** sent as `?tenant=` on every call: which tenant an admin key acts for */
  tenant?: string;
  timeoutMs: number;
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** false for the unauthenticated operational routes (/healthz) */
  auth?: boolean;
  /** cancels the request (tail stops on SIGINT without waiting for it) */
  signal?: AbortSignal;
}

export interface ApiResponse<T> {
  status: number;
  body: T;
  /** the server's clock, from the Date header (undefined if it sent none) */
  date?: Date;
}

function describeFetchFailure(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'no answer in time';
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  // fetch refuses a few ports outright (the Fetch standard's "bad ports").
  if (cause?.message === 'bad port') return 'fetch refuses to connect to this port (a blocked port)';
  if (cause?.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}

export class ApiClient {
  readonly baseUrl: string;

  constructor(private readonly options: ApiClientOptions) {
    let parsed: URL;
    try {
      parsed = new URL(options.baseUrl);
    } catch {
      throw new UsageError(`--api-url is not a URL: ${options.baseUrl}`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`--api-url must be an http or https URL: ${options.baseUrl}`);
    this.baseUrl = parsed.toString().replace(/\/+$/, '');
  }

  get tenant(): string | undefined {
    return this.options.tenant;
  }

  url(path: string, query: Query = {}): URL {
    const url = new URL(this.baseUrl + path);
    const params: Query = { ...query, tenant: this.options.tenant };
    for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, String(value));
    return url;
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
    if (options.auth !== false) {
      if (!this.options.apiKey) throw new UsageError('no API key: pass --api-key <key> or set HOOKRELAY_API_KEY');
      headers.authorization = `Bearer ${this.options.apiKey}`;
    }
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const url = this.url(path, options.query);

    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: options.signal ? AbortSignal.any([options.signal, AbortSignal.timeout(this.options.timeoutMs)]) : AbortSignal.timeout(this.options.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw new UnreachableError(`cannot reach the API at ${this.baseUrl}: ${describeFetchFailure(error)}`);
    }

    let body: unknown;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
    }
    if (response.status >= 400) throw new ApiError(response.status, problemOf(response, body, text));
    if (text && body === undefined) {
      throw new ApiError(response.status, { title: `HTTP ${response.status}`, detail: `the answer is not JSON: ${text.slice(0, 200)}` });
    }
    const date = response.headers.get('date');
    return { status: response.status, body: body as T, date: date ? new Date(date) : undefined };
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, { query }).then((r) => r.body);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, { body }).then((r) => r.body);
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, { body }).then((r) => r.body);
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, { body }).then((r) => r.body);
  }

  async delete(path: string): Promise<void> {
    await this.request<unknown>('DELETE', path);
  }
}

function problemOf(response: Response, body: unknown, text: string): Problem {
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const p = body as Problem;
    if (typeof p.title === 'string' || typeof p.detail === 'string') return p;
  }
  // Not problem+json (a proxy's error page, say): show what came back.
  return {
    title: `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`,
    status: response.status,
    detail: text.trim().slice(0, 200) || undefined,
  };
}

/** An id as one path segment. */
export const seg = (id: string): string => encodeURIComponent(id);
