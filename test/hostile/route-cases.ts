/**
 * Attacks tried on every documented operation: wrong methods, Authorization
 * header abuse, bodies the parser must refuse, query abuse, and hostile
 * path ids on every route with an `{id}`.
 */
import { adminHeaders, BATCH, concrete, type AddCase, type HostileContext } from './hostile-context.js';
import { b64, MiB, nestedArrays, SQL_IDS } from './hostile-json.js';

/** whether a concrete path matches an OpenAPI path template (`{id}` = one segment) */
function templateMatches(template: string, path: string): boolean {
  const parts = template.split(/\{[^}]+\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('[^/]+')}$`).test(path);
}

export function addRouteCases(add: AddCase, ctx: HostileContext): void {
  const { operations, tenant: TENANT } = ctx;
  const { admin, json } = adminHeaders(ctx);
  const byPath = new Map<string, string[]>();
  for (const op of operations) {
    const [method, path] = op.split(' ');
    byPath.set(path, [...(byPath.get(path) ?? []), method]);
  }

  for (const op of operations) {
    const [method, path] = op.split(' ');
    const url = concrete(ctx, path);
    const isPublic = !path.startsWith('/v1/');

    // wrong HTTP methods on every documented path, with hostile bodies on top
    const wrong = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((m) => !byPath.get(path)!.includes(m));
    if (method === byPath.get(path)![0]) {
      for (const m of wrong) {
        // `/v1/webhooks/search` or `/v1/webhooks/<id>:ping` under GET is also `GET /v1/webhooks/{id}` (an unknown id)
        const overlaps = operations.some((o) => o !== op && o.startsWith(`${m} `) && templateMatches(o.slice(m.length + 1), url));
        add(op, `wrong method ${m} (deeply nested body)`, { method: m, path: url, headers: json, body: nestedArrays(10_000) }, overlaps ? [400, 404] : [405]);
      }
      add(op, 'wrong method TRACE', { method: 'TRACE', path: url, headers: admin }, [405]);
    }

    if (isPublic) {
      // public GET routes take no body and no auth: only methods and bodies can be hostile
      add(op, 'wrong method POST with invalid JSON', { method: 'POST', path: url, headers: { 'content-type': 'application/json' }, body: '{"a":' }, [405]);
      add(
        op,
        'wrong method DELETE with a __proto__ body',
        { method: 'DELETE', path: url, headers: { 'content-type': 'application/json' }, body: '{"__proto__":{"polluted":1}}' },
        [405],
      );
      continue;
    }

    // header abuse: every /v1 route wants exactly one Bearer token
    add(op, '"Bearer" with no token', { method, path: url, headers: { authorization: 'Bearer' } }, [401]);
    add(op, '"Bearer " with blank token', { method, path: url, headers: { authorization: 'Bearer    ' } }, [401]);
    add(
      op,
      'two Authorization headers (Basic first)',
      { method, path: url, headers: { authorization: [`Basic ${b64('admin:admin')}`, admin.authorization] } },
      [401],
    );
    add(op, 'two schemes in one Authorization header', { method, path: url, headers: { authorization: `${admin.authorization}, Basic ${b64('a:b')}` } }, [401]);
    add(op, 'huge Authorization header (12 KB)', { method, path: url, headers: { authorization: `Bearer ${'A'.repeat(12_000)}` } }, [401]);
    add(op, 'admin key with a NUL-free control suffix', { method, path: url, headers: { authorization: `${admin.authorization}\t\tx` } }, [401]);

    // bodies the parser must refuse, on every /v1 route (GET and DELETE included)
    add(op, 'invalid JSON', { method, path: url, headers: json, body: '{"url": ' }, [400]);
    add(op, 'text/plain body', { method, path: url, headers: { ...admin, 'content-type': 'text/plain' }, body: '{}' }, [415]);
    add(
      op,
      'form-urlencoded body',
      { method, path: url, headers: { ...admin, 'content-type': 'application/x-www-form-urlencoded' }, body: 'tenant=a&url=x' },
      [415],
    );
    add(
      op,
      'multipart body',
      {
        method,
        path: url,
        headers: { ...admin, 'content-type': 'multipart/form-data; boundary=XyZ' },
        body: '--XyZ\r\nContent-Disposition: form-data; name="tenant"\r\n\r\na\r\n--XyZ--\r\n',
      },
      [415],
    );
    add(op, 'body without a content type', { method, path: url, headers: admin, body: '{}' }, [415]);
    add(
      op,
      'application/json; charset=iso-8859-1',
      { method, path: url, headers: { ...admin, 'content-type': 'application/json; charset=iso-8859-1' }, body: '{}' },
      [415],
    );
    add(
      op,
      'application/json; charset=utf-16',
      { method, path: url, headers: { ...admin, 'content-type': 'application/json; charset=utf-16' }, body: Buffer.from('{}', 'utf16le') },
      [415],
    );
    if (path === BATCH)
      add(
        op,
        'body above 8 MiB',
        { method, path: url, headers: json, body: JSON.stringify({ tenant: TENANT, events: [{ type: 'X', resource: 'x'.repeat(8 * MiB + 10) }] }) },
        [413],
      );
    else add(op, 'body above 1 MiB', { method, path: url, headers: json, body: JSON.stringify({ tenant: TENANT, description: 'x'.repeat(MiB + 10) }) }, [413]);

    // query abuse
    add(op, 'repeated ?tenant=', { method, path: `${url}?tenant=${TENANT}&tenant=default`, headers: admin }, [400]);
    add(op, 'SQL in ?tenant=', { method, path: `${url}?tenant=${encodeURIComponent(SQL_IDS[0])}`, headers: admin }, [400]);
    add(op, 'unknown bracketed query param', { method, path: `${url}?tenant[$ne]=x`, headers: admin }, [400]);
    add(
      op,
      'tenant key acting for another tenant',
      { method, path: `${url}?tenant=default`, headers: { authorization: `Bearer ${ctx.seed.tenantKey}` } },
      [400, 403],
    );
  }

  // path-parameter abuse on every route with an {id}
  for (const op of operations.filter((o) => o.includes('{id}'))) {
    const [method, path] = op.split(' ');
    const ids: [string, string, number[]][] = [
      ['invalid percent-encoding', '%E0%A4%A', [400, 404]],
      ['percent-encoded lone surrogate', '%ED%A0%80', [400, 404]],
      ['bare %', '%', [400, 404]],
      ['NUL byte', '%00', [400, 404]],
      ['overlong id (8000 chars)', 'a'.repeat(8000), [404, 414]],
      ...SQL_IDS.map((id): [string, string, number[]] => [`SQL id ${JSON.stringify(id)}`, encodeURIComponent(id), [404]]),
    ];
    for (const [name, id, expect] of ids) {
      // a valid body where the route needs one, so that only the id is wrong
      const body =
        method === 'PUT' || method === 'PATCH'
          ? JSON.stringify({ description: 'x' })
          : path.endsWith('test-filter')
            ? JSON.stringify({ event: { type: ctx.seed.eventType, resource: {} } })
            : undefined;
      add(op, `path id: ${name}`, { method, path: path.replace('{id}', id), headers: body ? json : admin, body }, expect);
    }
  }
}
