import type { OpenApiBuilder } from '../openapi/builder.js';
import { renderDocsHtml } from '../openapi/render-html.js';
import type { RouteDefinition } from '../route-definition.js';

const tags = ['Operations'];

/** Read the builder at request time, so routes registered after these are described too. */
export function docsRoutes(openapi: OpenApiBuilder): RouteDefinition[] {
  return [
    {
      method: 'get',
      path: '/openapi.json',
      summary: 'This OpenAPI 3.1 document',
      tags,
      public: true,
      responses: { 200: { description: 'OpenAPI document', schema: { type: 'object' } } },
      handler: (_req, res) => {
        res.json(openapi.document());
      },
    },
    {
      method: 'get',
      path: '/docs',
      summary: 'HTML API reference',
      tags,
      public: true,
      responses: { 200: { description: 'HTML page', schema: { type: 'string' }, contentType: 'text/html' } },
      handler: (_req, res) => {
        res.type('html').send(renderDocsHtml(openapi.document()));
      },
    },
  ];
}
