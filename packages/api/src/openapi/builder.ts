/**
 * The OpenAPI 3.1 document, assembled from the route definitions themselves
 * (see ../route-definition.ts): `mountRoutes` registers every route's
 * operation here, with request schemas converted from the joi schemas that
 * validate it.
 */
import { joiToJsonSchema, joiToQueryParameters, type Describable, type JsonSchema } from './joi-to-json-schema.js';
import { PROBLEM_SCHEMA } from './components.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ResponseSpec {
  description: string;
  /** a JSON schema, or the name of a component schema */
  schema?: JsonSchema | string;
  contentType?: string;
}

export interface OperationSpec {
  method: HttpMethod;
  /** OpenAPI path template, e.g. `/v1/webhooks/{id}` or `/v1/webhooks/{id}:ping` */
  path: string;
  summary: string;
  description?: string;
  tags?: string[];
  /** true for routes that need no bearer token */
  public?: boolean;
  body?: Describable;
  bodyRequired?: boolean;
  /** the route's own JSON body limit (default 1 MiB) */
  bodyLimitBytes?: number;
  query?: Describable;
  /** path parameters checked by a schema (the others are documented as plain strings) */
  params?: Describable;
  responses: Record<number, ResponseSpec>;
}

export interface RegisteredOperation {
  method: HttpMethod;
  path: string;
}

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

function problem(description: string): ResponseSpec {
  return { description, schema: 'Problem', contentType: 'application/problem+json' };
}

export class OpenApiBuilder {
  private readonly paths = new Map<string, Map<HttpMethod, JsonSchema>>();
  private readonly schemas = new Map<string, JsonSchema>([['Problem', PROBLEM_SCHEMA]]);

  constructor(private readonly info: { title: string; version: string; description?: string }) {}

  addSchema(name: string, schema: JsonSchema): this {
    this.schemas.set(name, schema);
    return this;
  }

  addOperation(spec: OperationSpec): this {
    const responses: Record<number, ResponseSpec> = { ...spec.responses };
    if (spec.body || spec.query || spec.params) responses[400] ??= problem('Invalid request');
    if (!spec.public) {
      responses[401] ??= problem('Missing, invalid or revoked API key');
      responses[403] ??= problem('The API key may not act for this tenant');
    }
    if (spec.path.includes('{')) responses[404] ??= problem('Not found (or owned by another tenant)');
    if (spec.body) {
      responses[413] ??= problem(`Body larger than ${(spec.bodyLimitBytes ?? 1024 * 1024) / (1024 * 1024)} MiB`);
      responses[415] ??= problem('Body is not application/json');
    }
    if (!spec.public) responses[503] ??= problem('Postgres or Redis unreachable; nothing to fix in the request, retry after `Retry-After` seconds');
    responses[500] ??= problem('Unexpected error');

    const checked = (spec.params ? joiToJsonSchema(spec.params).properties : undefined) as Record<string, JsonSchema> | undefined;
    const pathParams = [...spec.path.matchAll(/\{([^}]+)\}/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: checked?.[m[1]] ?? { type: 'string' },
    }));
    const operation: JsonSchema = {
      operationId: `${spec.method}${spec.path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())}`,
      summary: spec.summary,
      ...(spec.description ? { description: spec.description } : {}),
      ...(spec.tags ? { tags: spec.tags } : {}),
      security: spec.public ? [] : [{ bearerAuth: [] }],
      parameters: [...pathParams, ...(spec.query ? joiToQueryParameters(spec.query) : [])],
      ...(spec.body ? { requestBody: { required: spec.bodyRequired ?? true, content: { 'application/json': { schema: joiToJsonSchema(spec.body) } } } } : {}),
      responses: Object.fromEntries(
        Object.entries(responses).map(([status, r]) => [
          status,
          {
            description: r.description,
            ...(r.schema ? { content: { [r.contentType ?? 'application/json']: { schema: typeof r.schema === 'string' ? ref(r.schema) : r.schema } } } : {}),
          },
        ]),
      ),
    };
    const methods = this.paths.get(spec.path) ?? new Map<HttpMethod, JsonSchema>();
    methods.set(spec.method, operation);
    this.paths.set(spec.path, methods);
    return this;
  }

  operations(): RegisteredOperation[] {
    return [...this.paths].flatMap(([path, methods]) => [...methods.keys()].map((method) => ({ method, path })));
  }

  document(): JsonSchema {
    return {
      openapi: '3.1.0',
      info: this.info,
      paths: Object.fromEntries([...this.paths].map(([path, methods]) => [path, Object.fromEntries(methods)])),
      components: {
        schemas: Object.fromEntries(this.schemas),
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'The admin key (ADMIN_API_KEY) or a tenant API key (hr_...)' } },
      },
      security: [{ bearerAuth: [] }],
    };
  }
}
