/** How a webhook's `headers` and `auth` read back (response schemas; the request side comes from joi). */
import { HEADER_VALUE_MASK } from '@hookrelay/core';
import type { JsonSchema } from './joi-to-json-schema.js';

export const ENDPOINT_HEADERS_VIEW: JsonSchema = {
  type: 'object',
  description: `Extra request headers: the names, every value shown as "${HEADER_VALUE_MASK}"; {} when there are none.`,
  additionalProperties: { type: 'string', const: HEADER_VALUE_MASK },
};

const text = { type: 'string' };

export const ENDPOINT_AUTH_VIEW: JsonSchema = {
  description: 'Endpoint credentials without their secret (password, token and client_secret are write-only); null when there are none.',
  oneOf: [
    { type: 'null' },
    { type: 'object', required: ['type', 'username'], properties: { type: { const: 'basic' }, username: text } },
    { type: 'object', required: ['type'], properties: { type: { const: 'bearer' } } },
    {
      type: 'object',
      required: ['type', 'token_url', 'client_id'],
      properties: { type: { const: 'oauth2_client_credentials' }, token_url: { type: 'string', format: 'uri' }, client_id: text, scope: text, audience: text },
    },
  ],
};
