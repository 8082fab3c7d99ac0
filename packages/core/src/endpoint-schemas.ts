/**
 * Request schemas (joi) of a webhook's `headers` and `auth`: extra request
 * headers and the credentials its endpoint demands (SPEC "Endpoints").
 * Messages never repeat a value: values may be secrets, and 400s are logged.
 */
import Joi from 'joi';

/** At most this many extra headers per webhook. */
export const MAX_HEADERS = 20;
export const MAX_HEADER_VALUE = 1024;
export const HEADER_NAME = /^[A-Za-z0-9-]{1,64}$/;
/** What every read shows instead of a header value. */
export const HEADER_VALUE_MASK = '********';

/** Names Hookrelay sets itself (or that would change how the request is framed or traced). */
const RESERVED_NAMES = new Set(['host', 'user-agent', 'authorization', 'connection', 'transfer-encoding', 'traceparent', 'tracestate']);
const RESERVED_PREFIXES = ['webhook-', 'content-'];

export function isReservedHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return RESERVED_NAMES.has(lower) || RESERVED_PREFIXES.some((prefix) => lower.startsWith(prefix));
}

export const RESERVED_HEADERS_NOTE =
  'Refused (400): `webhook-*`, `content-*`, `host`, `user-agent`, `authorization`, `connection`, `transfer-encoding`, `traceparent`, `tracestate` (any case).';

/** What Node may send in a header value: printable ASCII, space and tab (no line breaks, no control characters). */
const HEADER_VALUE = /^[\t\x20-\x7E]*$/;
/** A bearer token or an access token: visible ASCII, no spaces. */
const TOKEN = /^[\x21-\x7E]+$/;

const headerValue = Joi.string().max(MAX_HEADER_VALUE).allow('').pattern(HEADER_VALUE).messages({
  'string.pattern.base': '{{#label}} may hold only printable ASCII characters, spaces and tabs',
});

/** One error per reserved or repeated (case-insensitively) name, each naming the header. */
function checkHeaderNames(value: Record<string, unknown>, helpers: Joi.CustomHelpers): Record<string, unknown> | Joi.ErrorReport {
  const reserved: string[] = [];
  const seen = new Map<string, string>();
  const repeated: string[] = [];
  for (const name of Object.keys(value)) {
    if (isReservedHeader(name)) reserved.push(name);
    const lower = name.toLowerCase();
    if (seen.has(lower)) repeated.push(name);
    else seen.set(lower, name);
  }
  if (reserved.length) {
    return helpers.message({
      custom: `{{#label}} may not set ${reserved.join(', ')}: reserved header name${reserved.length > 1 ? 's' : ''} (Hookrelay sets them, or they frame or trace the request)`,
    });
  }
  if (repeated.length) return helpers.message({ custom: `{{#label}} names ${repeated.join(', ')} more than once (header names are case-insensitive)` });
  return value;
}

export const headersSchema = Joi.object()
  .pattern(HEADER_NAME, headerValue)
  .max(MAX_HEADERS)
  .custom(checkHeaderNames)
  .allow(null)
  .messages({ 'object.unknown': '{{#label}} is not a valid header name (1-64 letters, digits or "-")' })
  .description(
    `Extra request headers sent with every delivery, ping and resend: at most ${MAX_HEADERS} names matching ${HEADER_NAME.source}, ` +
      `values of at most ${MAX_HEADER_VALUE} printable ASCII characters. ${RESERVED_HEADERS_NOTE} Values are encrypted at rest and ` +
      `every read shows them as "${HEADER_VALUE_MASK}"; a value given as "${HEADER_VALUE_MASK}" on update keeps the stored one. ` +
      'The object replaces the stored headers; null or {} removes them.',
  );

const text = (max: number) => Joi.string().min(1).max(max);

const basicAuth = Joi.object({
  type: Joi.string().valid('basic').required(),
  username: text(256)
    .pattern(/^[\x20-\x39\x3B-\x7E]+$/)
    .required()
    .messages({ 'string.pattern.base': '{{#label}} may hold only printable ASCII characters and no ":"' }),
  password: Joi.string()
    .max(1024)
    .allow('')
    .pattern(HEADER_VALUE)
    .required()
    .messages({ 'string.pattern.base': '{{#label}} may hold only printable ASCII characters' }),
});

const bearerAuth = Joi.object({
  type: Joi.string().valid('bearer').required(),
  token: text(4096).pattern(TOKEN).required().messages({ 'string.pattern.base': '{{#label}} may hold only visible ASCII characters (no spaces)' }),
});

const oauth2Auth = Joi.object({
  type: Joi.string().valid('oauth2_client_credentials').required(),
  token_url: Joi.string()
    .max(1000)
    .uri({ scheme: ['http', 'https'] })
    .required()
    .messages({ 'string.uriCustomScheme': '{{#label}} must be an http or https URL' })
    .description('Checked by the same destination guard as `url`.'),
  client_id: text(256).required(),
  client_secret: text(1024).required(),
  scope: text(1024),
  audience: text(1024),
});

export const AUTH_TYPES = ['basic', 'bearer', 'oauth2_client_credentials'] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

export const authSchema = Joi.alternatives()
  .conditional('.type', {
    switch: [
      { is: 'basic', then: basicAuth },
      { is: 'bearer', then: bearerAuth },
      { is: 'oauth2_client_credentials', then: oauth2Auth },
    ],
    otherwise: Joi.object({
      type: Joi.string()
        .valid(...AUTH_TYPES)
        .required(),
    }).unknown(true),
  })
  .allow(null)
  .description(
    'Credentials sent with every delivery, ping and resend: Basic, a bearer token, or an OAuth2 client-credentials access token ' +
      '(fetched from `token_url` with HTTP Basic client authentication, cached per webhook until it expires, fetched again once on a 401). ' +
      'Write-only: password, token and client_secret are encrypted at rest and never shown; reads show `type` and the other fields. null removes it.',
  );
