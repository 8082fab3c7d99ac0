/**
 * The operator dashboard: a static page (HTML, ES modules, one stylesheet)
 * that signs in with an API key and calls the `/v1` API from the browser.
 * Loading it needs no key; every piece of data it shows comes from
 * authenticated API calls. The page, stylesheet and icon live in
 * `packages/api/dashboard/`; its modules are compiled by `pnpm build` from
 * `packages/api/dashboard-src/*.ts` into `packages/api/dist/dashboard-scripts/`.
 * Both folders are found from the package root, so that `src/` (tests) and
 * `dist/` (built apps) serve the same files.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NotFoundError } from '@hookrelay/core';
import { publicRoute, type Reply, type RouteDefinition } from '../route-definition.js';

/** `<package root>/dashboard/`: this file sits at `src/dashboard/` or `dist/dashboard/`. */
export const DASHBOARD_ASSETS_DIR = fileURLToPath(new URL('../../dashboard/', import.meta.url));

/** `<package root>/dist/dashboard-scripts/`: the browser modules `pnpm build` compiles. */
export const DASHBOARD_SCRIPTS_DIR = fileURLToPath(new URL('../../dist/dashboard-scripts/', import.meta.url));

/** The written files served from the assets folder; nothing else in it is. */
const ASSETS: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};

const SCRIPT_TYPE = 'text/javascript; charset=utf-8';

/**
 * The `.js` files of the scripts folder, listed once: a request only picks
 * a name from this list (or ASSETS), no path is ever built from it. null
 * while the folder is missing (not built yet): listed again next time.
 */
function scriptList(scriptsDir: string): () => Promise<ReadonlyMap<string, string> | null> {
  let listing: Promise<ReadonlyMap<string, string> | null> | undefined;
  return () => {
    listing ??= readdir(scriptsDir).then(
      (names) => new Map(names.filter((name) => name.endsWith('.js')).map((name) => [name, join(scriptsDir, name)])),
      () => {
        listing = undefined;
        return null;
      },
    );
    return listing;
  };
}

/**
 * Data shown on the page comes from webhook receivers (response bodies) and
 * tenants (metadata): no inline script or style may run, and the page talks
 * only to this origin. Nobody may frame it unless PORTAL_FRAME_ANCESTORS
 * names origins (a platform embedding the tenant portal).
 */
export function dashboardCsp(frameAncestors: readonly string[] = []): string {
  const ancestors = frameAncestors.length > 0 ? frameAncestors.join(' ') : "'none'";
  return DASHBOARD_CSP.replace("frame-ancestors 'none'", `frame-ancestors ${ancestors}`);
}

export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const tags = ['Dashboard'];

export interface DashboardOptions {
  /** PORTAL_FRAME_ANCESTORS; empty: the page refuses every frame */
  frameAncestors?: readonly string[];
}

export function dashboardRoutes(assetsDir = DASHBOARD_ASSETS_DIR, options: DashboardOptions = {}): RouteDefinition[] {
  const cache = new Map<string, Buffer>();
  const frameAncestors = options.frameAncestors ?? [];
  const security: Record<string, string> = {
    'content-security-policy': dashboardCsp(frameAncestors),
    'x-content-type-options': 'nosniff',
    // X-Frame-Options knows no allow-list: it goes when the CSP allows framing
    ...(frameAncestors.length === 0 ? { 'x-frame-options': 'DENY' } : {}),
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-cache',
  };

  const scripts = scriptList(DASHBOARD_SCRIPTS_DIR);

  /** The file's path and content type; 404 for any name not listed. */
  async function locate(name: string): Promise<{ path: string; type: string }> {
    if (Object.hasOwn(ASSETS, name)) return { path: join(assetsDir, name), type: ASSETS[name] };
    const listed = await scripts();
    const script = listed?.get(name);
    if (script) return { path: script, type: SCRIPT_TYPE };
    if (!listed && name.endsWith('.js')) throw new NotFoundError('The dashboard scripts are not built with this API (run `pnpm build`)');
    throw new NotFoundError(`No dashboard asset ${name}`);
  }

  async function asset(name: string): Promise<Reply> {
    const { path, type } = await locate(name);
    let body = cache.get(name);
    if (!body) {
      try {
        body = await readFile(path);
      } catch {
        throw new NotFoundError(`The dashboard asset ${name} is not installed with this API`);
      }
      cache.set(name, body);
    }
    return { headers: { 'content-type': type, ...security }, body };
  }

  return [
    publicRoute({
      method: 'get',
      path: '/dashboard',
      summary: 'Operator dashboard',
      description:
        'A web page: sign in with an API key, or open a portal link (`/dashboard#token=…`, see `POST /v1/portal-sessions`), to manage webhooks, watch notifications and their attempts, and ping, resend and send expired notifications again.',
      tags,
      responses: { 200: { description: 'HTML page', schema: { type: 'string' }, contentType: 'text/html' } },
      handler: () => asset('index.html'),
    }),
    publicRoute({
      method: 'get',
      path: '/dashboard/{asset}',
      summary: 'Dashboard scripts, stylesheet and icon',
      tags,
      responses: { 200: { description: 'The file', schema: { type: 'string' }, contentType: 'text/javascript' } },
      handler: ({ input }) => asset(input.params.asset),
    }),
  ];
}
