/**
 * A route is declared once: method, OpenAPI path, the schemas of its body,
 * query and path, which tenant it acts for, its responses and its handler.
 * `mountRoutes` (mount-routes.ts) mounts it on Express, registers it in the
 * OpenAPI document, and before the handler runs validates its input and
 * resolves the caller's tenant, so a handler sees only parsed input and
 * returns its reply, and the document describes exactly what is checked.
 */
import type { Request } from 'express';
import { validate } from '@hookrelay/core';
import type { Principal } from './services/auth.js';
import type { OperationSpec } from './openapi/builder.js';

/** A joi schema, named without making joi a dependency of this package. */
export type Schema = Parameters<typeof validate>[0];

/** One part of a request (body, query or path): documented from `schema`, read by `read` (400/413 when bad). */
export interface RequestPart<T> {
  schema: Schema;
  /** `what` names the part in problems: "request body", "query", "path" */
  read(raw: unknown, what: string): T;
}

/** The part validated by its joi schema, typed as `T`; `read` replaces plain validation (size checks first, say). */
export function validated<T>(schema: Schema, read?: (raw: unknown, what: string) => T): RequestPart<T> {
  return { schema, read: read ?? ((raw, what) => validate<T>(schema, raw, what)) };
}

/** `/v1/webhooks/{id}:ping` → `{ id: string }` */
export type PathParams<P extends string> = P extends `${string}{${infer K}}${infer Rest}` ? { [k in K]: string } & PathParams<Rest> : unknown;

/**
 * The tenant a /v1 call acts for, from the `tenant` named in its body or,
 * when the body names none, in `?tenant=`:
 * - `acting`: the admin's choice (`default` when none), a tenant key its own (403 for another);
 * - `lookup`: the same, except null (any tenant) for an admin naming none: ids are unique across tenants.
 * A function decides from the body (a search by id looks up, one without acts).
 */
export type TenantScope = 'acting' | 'lookup';
export type TenantRule<B> = TenantScope | ((body: WithoutTenant<B>) => TenantScope);
type TenantOf<R> = R extends 'acting' ? string : string | null;

/** A body or query that may name the tenant. */
export type Tenanted<T = unknown> = T & { tenant?: string };

/** `tenant` is read by the tenant rule, so handlers get the other fields. */
export type WithoutTenant<T> = T extends object ? Omit<T, 'tenant'> : T;

/** What a handler answers; a string or Buffer body is sent as is, anything else as JSON. */
export interface Reply {
  /** 200 unless given */
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** What every handler is given; `principal` and `tenant` only on /v1 routes. */
export interface RouteCall {
  input: { body: unknown; query: unknown; params: unknown };
  principal?: Principal;
  tenant?: string | null;
  /** for what no schema covers: headers (`traceparent`), the request's origin */
  req: Request;
}

export interface ApiCall<B, Q, P, T extends string | null> extends RouteCall {
  input: { body: WithoutTenant<B>; query: WithoutTenant<Q>; params: P };
  principal: Principal;
  tenant: T;
}

export interface PublicCall<P> extends RouteCall {
  input: { body: undefined; query: undefined; params: P };
}

type Documented = Omit<OperationSpec, 'path' | 'body' | 'query' | 'params' | 'public'>;

interface RouteSpec<P extends string> extends Documented {
  path: P;
  /** further OpenAPI-style paths served by the same handler (documented too) */
  aliases?: string[];
}

export interface ApiRouteSpec<P extends string, B, Q, R extends TenantRule<B>> extends RouteSpec<P> {
  body?: RequestPart<B>;
  query?: RequestPart<Q>;
  /** without it the path parameters are passed as strings, unchecked (unknown ids are 404s further on) */
  params?: RequestPart<PathParams<P>>;
  tenant: R;
  /** checked before the input: a tenant key learns nothing about the body's shape */
  adminOnly?: boolean;
  /**
   * a POST (or other non-GET) that changes nothing, such as a search or a
   * dry run: a read-only portal session may call it. Unmarked non-GET
   * routes are changes (see middleware/portal-guard.ts).
   */
  readsOnly?: boolean;
  /** false: portal sessions get 403 (routes that mint or manage credentials) */
  portal?: boolean;
  handler(call: ApiCall<B, Q, PathParams<P>, TenantOf<R>>): Reply | Promise<Reply>;
}

export interface PublicRouteSpec<P extends string> extends RouteSpec<P> {
  handler(call: PublicCall<PathParams<P>>): Reply | Promise<Reply>;
}

/** A declared route, its types erased so that routes of every shape fit one list. */
export interface RouteDefinition extends RouteSpec<string> {
  /** no bearer token: mounted before authentication */
  public: boolean;
  body?: RequestPart<unknown>;
  query?: RequestPart<unknown>;
  params?: RequestPart<unknown>;
  tenant?: TenantRule<unknown>;
  adminOnly?: boolean;
  readsOnly?: boolean;
  portal?: boolean;
  handler(call: RouteCall): Reply | Promise<Reply>;
}

/** A /v1 route: bearer auth, JSON body, validated input, a tenant. */
export function route<P extends string, R extends TenantRule<B>, B = undefined, Q = undefined>(spec: ApiRouteSpec<P, B, Q, R>): RouteDefinition {
  return { ...(spec as unknown as Omit<RouteDefinition, 'public'>), public: false };
}

/** A route without auth (probes, documents, the dashboard's files): no body, no tenant. */
export function publicRoute<P extends string>(spec: PublicRouteSpec<P>): RouteDefinition {
  return { ...(spec as unknown as Omit<RouteDefinition, 'public'>), public: true };
}
