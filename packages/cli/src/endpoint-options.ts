/**
 * `webhooks create/update` options for a webhook's extra request headers and
 * its endpoint credentials (`headers` and `auth` in the API):
 *
 *   --header NAME=VALUE (repeatable; replaces the stored set)  --no-headers (update: remove them)
 *   --auth-basic USER:PASS | --auth-bearer TOKEN
 *   --auth-oauth2-token-url URL --auth-oauth2-client-id ID --auth-oauth2-client-secret SECRET
 *     [--auth-oauth2-scope SCOPE] [--auth-oauth2-audience AUD]
 *   --no-auth (update: remove the credentials)
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { WebhookView } from '@hookrelay/core';
import { UsageError } from './errors.js';

export interface EndpointOptions {
  header?: [string, string][];
  /** false with --no-headers */
  headers?: boolean;
  authBasic?: [string, string];
  authBearer?: string;
  authOauth2TokenUrl?: string;
  authOauth2ClientId?: string;
  authOauth2ClientSecret?: string;
  authOauth2Scope?: string;
  authOauth2Audience?: string;
  /** false with --no-auth */
  auth?: boolean;
}

function collectHeader(value: string, previous: [string, string][] | undefined): [string, string][] {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('expected NAME=VALUE, e.g. X-Api-Key=abc');
  return [...(previous ?? []), [value.slice(0, eq).trim(), value.slice(eq + 1)]];
}

function parseBasic(value: string): [string, string] {
  const colon = value.indexOf(':');
  if (colon <= 0) throw new InvalidArgumentError('expected USER:PASS (the user name may not contain ":")');
  return [value.slice(0, colon), value.slice(colon + 1)];
}

export function endpointOptions(cmd: Command, update: boolean): Command {
  cmd
    .option(
      '--header <NAME=VALUE>',
      'an extra request header sent with every delivery; repeat for more' +
        (update ? ' (replaces the stored set; a value of ******** keeps the stored one)' : ''),
      collectHeader,
    )
    .option('--auth-basic <USER:PASS>', 'send HTTP Basic credentials', parseBasic)
    .option('--auth-bearer <TOKEN>', 'send "Authorization: Bearer TOKEN"')
    .option('--auth-oauth2-token-url <url>', 'OAuth2 client credentials: the token endpoint (with --auth-oauth2-client-id and --auth-oauth2-client-secret)')
    .option('--auth-oauth2-client-id <id>', 'OAuth2 client credentials: client id')
    .option('--auth-oauth2-client-secret <secret>', 'OAuth2 client credentials: client secret')
    .option('--auth-oauth2-scope <scope>', 'OAuth2 client credentials: scope (optional)')
    .option('--auth-oauth2-audience <audience>', 'OAuth2 client credentials: audience (optional)');
  if (update) cmd.option('--no-headers', 'remove every extra header').option('--no-auth', 'remove the credentials');
  return cmd;
}

/** The `headers` and `auth` body fields the options ask for (none when none was given). */
export function endpointFields(opts: EndpointOptions): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (opts.header && opts.headers === false) throw new UsageError('--header and --no-headers cannot be combined');
  if (opts.header) body.headers = Object.fromEntries(opts.header);
  else if (opts.headers === false) body.headers = null;

  const oauth2 = [opts.authOauth2TokenUrl, opts.authOauth2ClientId, opts.authOauth2ClientSecret, opts.authOauth2Scope, opts.authOauth2Audience].some(
    (v) => v !== undefined,
  );
  const kinds = [opts.authBasic !== undefined, opts.authBearer !== undefined, oauth2, opts.auth === false].filter(Boolean).length;
  if (kinds > 1) throw new UsageError('give one of --auth-basic, --auth-bearer, the --auth-oauth2-* options, or --no-auth');
  if (opts.authBasic) body.auth = { type: 'basic', username: opts.authBasic[0], password: opts.authBasic[1] };
  else if (opts.authBearer !== undefined) body.auth = { type: 'bearer', token: opts.authBearer };
  else if (oauth2) {
    const missing = [
      ['--auth-oauth2-token-url', opts.authOauth2TokenUrl],
      ['--auth-oauth2-client-id', opts.authOauth2ClientId],
      ['--auth-oauth2-client-secret', opts.authOauth2ClientSecret],
    ]
      .filter(([, v]) => v === undefined)
      .map(([name]) => name);
    if (missing.length) throw new UsageError(`OAuth2 client credentials also need ${missing.join(', ')}`);
    body.auth = {
      type: 'oauth2_client_credentials',
      token_url: opts.authOauth2TokenUrl,
      client_id: opts.authOauth2ClientId,
      client_secret: opts.authOauth2ClientSecret,
      ...(opts.authOauth2Scope !== undefined ? { scope: opts.authOauth2Scope } : {}),
      ...(opts.authOauth2Audience !== undefined ? { audience: opts.authOauth2Audience } : {}),
    };
  } else if (opts.auth === false) body.auth = null;
  return body;
}

/** What `webhooks get` prints about them: header names with masked values, the auth type and its non-secret fields. */
export function endpointLines(w: Partial<Pick<WebhookView, 'headers' | 'auth'>>): [string, unknown][] {
  const names = Object.entries(w.headers ?? {}).map(([name, value]) => `${name}: ${value}`);
  const auth = w.auth
    ? Object.entries(w.auth)
        .map(([k, v]) => (k === 'type' ? String(v) : `${k}=${String(v)}`))
        .join(' ')
    : 'none';
  return [
    ['headers', names.length ? names.join(', ') : 'none'],
    ['auth', auth],
  ];
}
