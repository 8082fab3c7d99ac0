import type { OpenApiBuilder } from '../openapi/builder.js';
import { renderDocsHtml } from '../openapi/render-html.js';
import { publicRoute, type RouteDefinition } from '../route-definition.js';

const tags = ['Operations'];

/** Read the builder at request time, so routes registered after these are described too. */
export function docsRoutes(openapi: OpenApiBuilder): RouteDefinition[] {
  return [
    publicRoute({
      method: 'get',
      path: '/openapi.json',
      summary: 'This OpenAPI 3.1 document',
      tags,
      responses: { 200: { description: 'OpenAPI document', schema: { type: 'object' } } },
      handler: () => ({ body: openapi.document() }),
    }),
    publicRoute({
      method: 'get',
      path: '/docs',
      summary: 'HTML API reference',
      tags,
      responses: { 200: { description: 'HTML page', schema: { type: 'string' }, contentType: 'text/html' } },
      handler: () => ({ headers: { 'content-type': 'text/html' }, body: renderDocsHtml(openapi.document()) }),
    }),
  ];
}
