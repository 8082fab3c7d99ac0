/**
 * PUBLIC_BASE_URL and PORTAL_FRAME_ANCESTORS (SPEC "Operations"): the link a
 * portal session answers with, and who may frame the dashboard.
 */
import { uniqueTenant } from '../support/env.js';
import { startTestApi, type TestApi } from '../support/api-app.js';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.close();
});

describe('configuration: PUBLIC_BASE_URL and PORTAL_FRAME_ANCESTORS', () => {
  test('without them: links use the request origin and the dashboard refuses every frame', async () => {
    const res = await fetch(`${api.url}/dashboard`);
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });

  test('with them: links use PUBLIC_BASE_URL and the CSP names the origins', async () => {
    const other = await startTestApi({
      env: { PUBLIC_BASE_URL: 'https://hooks.example.com/relay/', PORTAL_FRAME_ANCESTORS: 'https://app.example.com  https://*.partner.example:8443' },
    });
    try {
      const res = await other.request('POST', '/v1/portal-sessions', { body: { tenant: uniqueTenant() } });
      expect(res.status).toBe(201);
      expect(res.body.url).toBe(`https://hooks.example.com/relay/dashboard#token=${res.body.token}`);
      for (const path of ['/dashboard', '/dashboard/dashboard.js', '/dashboard/portal.js']) {
        const page = await fetch(`${other.url}${path}`);
        expect(page.status).toBe(200);
        const csp = page.headers.get('content-security-policy') ?? '';
        expect(csp).toContain('frame-ancestors https://app.example.com https://*.partner.example:8443');
        expect(csp).not.toContain("frame-ancestors 'none'");
        expect(page.headers.get('x-frame-options')).toBeNull();
      }
    } finally {
      await other.close();
    }
  });
});
