// Calls to the /v1 API with the session's key. The key lives in
// sessionStorage (this tab only) and travels in the Authorization header,
// never in a URL.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    detail: string,
  ) {
    super(detail);
  }
}

export const session = { key: '', tenant: '', readOnly: false };

/** sessionStorage names of the key and the tenant it acts for. */
export const STORE = { key: 'hookrelay.dashboard.key', tenant: 'hookrelay.dashboard.tenant' };

/** false for a read-only portal session: every change button is disabled. */
export const canChange = (): boolean => !session.readOnly;

/** The parsed JSON answer; any non-2xx answer throws an ApiError with the problem's `detail`. */
export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const url = new URL(path, window.location.origin);
  if (session.tenant) url.searchParams.set('tenant', session.tenant);
  const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${session.key}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  } catch {
    throw new ApiError(0, 'Cannot reach the Hookrelay API');
  }
  const text = await response.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const problem = data as { detail?: unknown } | null;
    const detail = problem && typeof problem.detail === 'string' ? problem.detail : `HTTP ${response.status}`;
    throw new ApiError(response.status, detail);
  }
  return data as T;
}

/** The message of anything thrown, for a toast or the sign-in form. */
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
