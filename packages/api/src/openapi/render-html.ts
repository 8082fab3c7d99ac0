/**
 * The /docs page: a plain HTML reference rendered on the server from the
 * OpenAPI document, so it works without any CDN or client-side script.
 */
import type { JsonSchema } from './joi-to-json-schema.js';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

function esc(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function json(value: unknown): string {
  return `<pre>${esc(JSON.stringify(value, null, 2))}</pre>`;
}

function renderOperation(path: string, method: string, op: JsonSchema): string {
  const params = (op.parameters ?? []) as { name: string; in: string; required?: boolean; schema?: unknown }[];
  const body = (op.requestBody as { content?: Record<string, { schema?: unknown }> } | undefined)?.content?.['application/json']?.schema;
  const responses = (op.responses ?? {}) as Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
  const anchor = esc(String(op.operationId ?? `${method}${path}`));
  return `<section id="${anchor}">
<h3><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h3>
<p>${esc(op.summary ?? '')}${(op.security as unknown[] | undefined)?.length === 0 ? ' <em>(no authentication)</em>' : ''}</p>
${op.description ? `<p>${esc(op.description)}</p>` : ''}
${params.length ? `<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>required</th><th>schema</th></tr>${params.map((p) => `<tr><td><code>${esc(p.name)}</code></td><td>${esc(p.in)}</td><td>${p.required ? 'yes' : 'no'}</td><td><code>${esc(JSON.stringify(p.schema ?? {}))}</code></td></tr>`).join('')}</table>` : ''}
${body ? `<h4>Request body (application/json)</h4>${json(body)}` : ''}
<h4>Responses</h4><ul>${Object.entries(responses)
    .map(
      ([status, r]) =>
        `<li><b>${esc(status)}</b> ${esc(r.description ?? '')}${r.content ? ` <code>${esc(Object.keys(r.content).join(', '))}</code>` : ''}</li>`,
    )
    .join('')}</ul>
</section>`;
}

export function renderDocsHtml(doc: JsonSchema): string {
  const info = (doc.info ?? {}) as { title?: string; version?: string; description?: string };
  const paths = (doc.paths ?? {}) as Record<string, Record<string, JsonSchema>>;
  const ops = Object.entries(paths).flatMap(([path, methods]) => METHODS.filter((m) => methods[m]).map((m) => ({ path, method: m, op: methods[m] })));
  const schemas = (doc.components as { schemas?: Record<string, unknown> } | undefined)?.schemas ?? {};
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(info.title ?? 'API')} reference</title>
<style>
body{font-family:system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#222}
section{border-top:1px solid #ddd;padding:.5rem 0}
pre{background:#f6f8fa;padding:.5rem;overflow:auto;font-size:.85rem}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;font-size:.9rem}
.m{display:inline-block;min-width:4rem;font-weight:bold}.get{color:#0a7}.post{color:#06c}.put,.patch{color:#c70}.delete{color:#c33}
</style></head><body>
<h1>${esc(info.title ?? 'API')} <small>${esc(info.version ?? '')}</small></h1>
${info.description ? `<p>${esc(info.description)}</p>` : ''}
<p>Authenticate with <code>Authorization: Bearer &lt;key&gt;</code>. Errors are <code>application/problem+json</code>. Machine-readable: <a href="/openapi.json">/openapi.json</a>.</p>
<h2>Operations</h2><ul>${ops.map(({ path, method, op }) => `<li><a href="#${esc(String(op.operationId ?? ''))}">${esc(method.toUpperCase())} ${esc(path)}</a> — ${esc(op.summary ?? '')}</li>`).join('')}</ul>
${ops.map(({ path, method, op }) => renderOperation(path, method, op)).join('\n')}
<h2>Schemas</h2>
${Object.entries(schemas)
  .map(([name, s]) => `<h3 id="schema-${esc(name)}">${esc(name)}</h3>${json(s)}`)
  .join('\n')}
</body></html>`;
}
