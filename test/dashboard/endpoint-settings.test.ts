/**
 * The dashboard's webhook row shows the extra header names with masked
 * values and the auth type (headless Chromium against the real API); the
 * page never holds a header value or a credential.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { startStack, type Stack } from '../support/stack.js';
import { uniqueTenant } from '../support/env.js';

const CHROMIUM = '/usr/bin/chromium';
const describeWithBrowser = existsSync(CHROMIUM) ? describe : describe.skip;

describeWithBrowser('dashboard: headers and auth', () => {
  let stack: Stack;
  let browser: Browser;

  beforeAll(async () => {
    stack = await startStack({}, { worker: false });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  test('the row shows header names masked and the auth type, never the secrets', async () => {
    const tenant = uniqueTenant('dash');
    const key = (await stack.call('POST', '/v1/api-keys', { tenant })).body.key;
    const base = { url: 'https://hooks.example.com/x', enabled_events: ['*'], is_enabled: true };
    const withBoth = await stack.call(
      'POST',
      '/v1/webhooks',
      {
        ...base,
        headers: { 'X-Api-Key': 'dash-header-secret', 'X-Team': 'cards-team-value' },
        auth: { type: 'oauth2_client_credentials', token_url: 'https://auth.example.com/t', client_id: 'dash-client', client_secret: 'dash-client-secret' },
      },
      key,
    );
    const plain = await stack.call('POST', '/v1/webhooks', { ...base, auth: { type: 'bearer', token: 'dash-bearer-token' } }, key);
    expect([withBoth.status, plain.status]).toEqual([201, 201]);

    const page = await browser.newPage();
    await page.goto(`${stack.api.url}/dashboard`);
    await page.fill('#signin-key', key);
    await page.click('#signin-submit');
    const row = (id: string) => page.locator(`#webhooks tr[data-webhook-id="${id}"]`);
    await row(withBoth.body.id).locator('[data-role=headers]').waitFor({ timeout: 15_000 });
    expect(await row(withBoth.body.id).locator('[data-role=headers]').textContent()).toBe('headers: X-Api-Key: ********, X-Team: ********');
    expect(await row(withBoth.body.id).locator('[data-role=auth]').textContent()).toBe('auth: oauth2_client_credentials · dash-client');
    expect(await row(plain.body.id).locator('[data-role=auth]').textContent()).toBe('auth: bearer');
    expect(await row(plain.body.id).locator('[data-role=headers]').count()).toBe(0);
    const html = await page.content();
    for (const secret of ['dash-header-secret', 'cards-team-value', 'dash-client-secret', 'dash-bearer-token']) expect(html).not.toContain(secret);
    await page.close();
  }, 60_000);
});
