/**
 * The tenant portal in headless Chromium (Debian's `chromium`, driven by
 * playwright-core), against the real API and worker and real receivers: a
 * platform mints a link with POST /v1/portal-sessions and its customer signs
 * in by opening it. With UPDATE_SCREENSHOT=1 the portal (normal and
 * read-only) is saved to docs/portal.png and docs/portal-read-only.png.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { startStack, until, type Stack } from '../support/stack.js';
import { uniqueTenant } from '../support/env.js';

const CHROMIUM = '/usr/bin/chromium';
const shot = (name: string) => fileURLToPath(new URL(`../../docs/${name}`, import.meta.url));
const OTHER_URL_MARK = 'other-tenant-private';
const OTHER_DESCRIPTION = 'Globex payroll (other tenant)';

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`portal browser tests skipped: ${CHROMIUM} not found (apt-get install chromium)`);
const describeWithBrowser = hasChromium ? describe : describe.skip;

describeWithBrowser('tenant portal in headless Chromium', () => {
  let stack: Stack;
  let ok: Receiver;
  let failing: Receiver;
  let other: Receiver;
  let browser: Browser;
  let tenant: string;
  let otherTenant: string;
  const ids = { ok: '', failing: '', other: '' };
  const pageErrors: string[] = [];

  async function call(method: string, path: string, body?: unknown, key?: string) {
    const res = await stack.call(method, path, body, key);
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  const link = async (body: Record<string, unknown>) => (await call('POST', '/v1/portal-sessions', body)) as { token: string; url: string; expires_at: string };
  const eventually = <T>(probe: () => Promise<T>, timeoutMs = 15000) =>
    until(async () => ((await probe().catch(() => undefined)) || undefined) as T | undefined, { timeoutMs, intervalMs: 150 });

  async function openPage(): Promise<Page> {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    page.on('pageerror', (error) => pageErrors.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) pageErrors.push(`console: ${message.text()}`);
    });
    return page;
  }

  /** What the page holds and shows must never mention the other tenant. */
  async function expectNoOtherTenant(page: Page) {
    const html = await page.content();
    expect(html).not.toContain(OTHER_URL_MARK);
    expect(html).not.toContain(OTHER_DESCRIPTION);
    expect(html).not.toContain(ids.other);
    expect(html).not.toContain(otherTenant);
  }

  beforeAll(async () => {
    stack = await startStack({ RETRY_SCHEDULE: '1,1' });
    ok = await startReceiver({ status: 200, body: 'thanks' });
    failing = await startReceiver({ status: 503, body: 'maintenance' });
    other = await startReceiver({ status: 200, body: 'ok' });
    tenant = uniqueTenant('acme');
    otherTenant = uniqueTenant('globex');
    const webhook = async (t: string, url: string, description: string) =>
      (await call('POST', '/v1/webhooks', { tenant: t, url, description, enabled_events: ['CARD.*'], is_enabled: true })).id as string;
    ids.ok = await webhook(tenant, `${ok.url}/orders`, 'Orders service');
    ids.failing = await webhook(tenant, `${failing.url}/billing`, 'Billing');
    ids.other = await webhook(otherTenant, `${other.url}/${OTHER_URL_MARK}`, OTHER_DESCRIPTION);
    for (const t of [tenant, tenant, otherTenant]) await call('POST', '/v1/events', { tenant: t, type: 'CARD.CREATED', resource: { id: 'card_1' } });
    await until(
      async () => {
        const n = (await call('GET', `/v1/stats?tenant=${tenant}`)).notifications;
        return n.SUCCEEDED === 2 && n.EXPIRED === 2;
      },
      { timeoutMs: 30000 },
    );
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 90000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await Promise.all([ok?.close(), failing?.close(), other?.close()]);
  });

  afterEach(() => {
    expect(pageErrors).toEqual([]);
  });

  describe('a full session', () => {
    let page: Page;
    let token: string;

    beforeAll(async () => {
      page = await openPage();
    });

    test('opening the link signs in and removes the token from the address bar', async () => {
      const session = await link({ tenant });
      token = session.token;
      await page.goto(session.url);
      await page.locator('#app-view').waitFor();
      expect(page.url()).toBe(`${stack.api.url}/dashboard`);
      expect(await page.evaluate('location.hash')).toBe('');
      expect(await page.evaluate('sessionStorage.getItem("hookrelay.dashboard.key")')).toBe(token);
      expect(await page.locator('#session-tenant').textContent()).toBe(tenant);
      expect(await page.locator('#read-only-badge').isHidden()).toBe(true);
      await eventually(async () => (await page.locator('#webhooks tbody tr').count()) === 2);
      expect(await page.locator('#signin-view').isHidden()).toBe(true);
    });

    test("another tenant's data is never visible, and the API refuses to hand it over", async () => {
      await eventually(async () => (await page.locator('#notifications tbody tr').count()) === 4);
      await expectNoOtherTenant(page);
      const answers = await page.evaluate(
        async ([t, otherTenantName, otherId]) => {
          const get = (path: string) => fetch(path, { headers: { authorization: `Bearer ${t}` } }).then((r) => r.status);
          return [await get(`/v1/webhooks?tenant=${otherTenantName}`), await get(`/v1/webhooks/${otherId}`), await get(`/v1/stats?tenant=${otherTenantName}`)];
        },
        [token, otherTenant, ids.other],
      );
      expect(answers).toEqual([403, 404, 403]);
    });

    test('creates, edits and deletes a webhook', async () => {
      await page.click('#webhook-new');
      await page.fill('#wh-url', `${ok.url}/from-portal`);
      await page.fill('#wh-events', 'CARD.*, CARD_STATUS_CHANGE');
      await page.fill('#wh-description', 'Made in the portal');
      await page.click('#webhook-submit');
      await page.locator('#webhook-secret [data-role=secret], #webhook-error:not([hidden])').first().waitFor();
      expect(await page.locator('#webhook-error').textContent()).toBe('');
      expect(await page.locator('#webhook-secret [data-role=secret]').textContent()).toMatch(/^whsec_/);
      await page.click('#webhook-cancel');
      await eventually(async () => (await page.locator('#webhooks tbody tr').count()) === 3);
      const created = (await call('GET', `/v1/webhooks?tenant=${tenant}`)).webhooks.find(
        (w: { description: string }) => w.description === 'Made in the portal',
      );
      expect(created.enabled_events).toEqual(['CARD.*', 'CARD_STATUS_CHANGE']);
      const row = `#webhooks tr[data-webhook-id="${created.id}"]`;

      await page.click(`${row} [data-action=edit]`);
      expect(await page.inputValue('#wh-url')).toBe(`${ok.url}/from-portal`);
      await page.fill('#wh-description', 'Renamed in the portal');
      await page.click('#webhook-submit');
      await eventually(async () => ((await page.locator(`${row} .sub`).first().textContent()) ?? '') === 'Renamed in the portal');

      await page.click(`${row} [data-action=delete]`);
      expect(await page.locator('#webhook-dialog-title').textContent()).toBe('Delete this webhook?');
      await page.click('#webhook-submit');
      await eventually(async () => (await page.locator('#webhooks tbody tr').count()) === 2);
      expect((await stack.call('GET', `/v1/webhooks/${created.id}`)).status).toBe(404);
    });

    test('pings, sees attempts, resends and sends expired notifications again', async () => {
      await page.click(`#webhooks tr[data-webhook-id="${ids.ok}"] [data-action=ping]`);
      await eventually(async () =>
        /Ping delivered: HTTP 200/.test((await page.locator(`#webhooks tr[data-webhook-id="${ids.ok}"] [data-role=ping-result]`).textContent()) ?? ''),
      );

      await page.selectOption('#filter-status', 'EXPIRED');
      await eventually(async () => (await page.locator('#notifications tbody tr[data-status="EXPIRED"]').count()) === 2);
      await page.locator('#notifications tbody tr').first().click();
      await eventually(async () => (await page.locator('#detail-attempts tbody tr[data-attempt]').count()) === 3);
      expect(await page.locator('#detail-attempts .a-code').first().textContent()).toBe('503');

      await page.click('#resend');
      await eventually(async () => (await page.locator('#detail-attempts tbody tr[data-trigger="resend"]').count()) === 1);

      await page.selectOption('#filter-status', '');
      await page.click('#sendexpired');
      await eventually(async () => /expired notifications? sent again/.test((await page.locator('#sendexpired-result').textContent()) ?? ''));
      await expectNoOtherTenant(page);
    });

    test('the portal looks right (screenshot with UPDATE_SCREENSHOT=1)', async () => {
      await page.selectOption('#filter-status', '');
      await page.locator('#notifications tbody tr').first().click();
      await page.locator('#detail-body').waitFor();
      if (process.env.UPDATE_SCREENSHOT === '1') {
        await eventually(async () => (await page.locator('#toasts .toast').count()) === 0, 8000);
        mkdirSync(dirname(shot('portal.png')), { recursive: true });
        await page.screenshot({ path: shot('portal.png'), fullPage: true });
      }
    });
  });

  test('a read-only session has every change button disabled, and the API refuses with 403', async () => {
    const session = await link({ tenant, read_only: true });
    const page = await openPage();
    await page.goto(session.url);
    await page.locator('#app-view').waitFor();
    expect(page.url()).toBe(`${stack.api.url}/dashboard`);
    expect(await page.locator('#read-only-badge').isVisible()).toBe(true);
    await eventually(async () => (await page.locator('#webhooks tbody tr').count()) === 2);
    await page.locator('#notifications tbody tr').first().click();
    await page.locator('#detail-body').waitFor();

    const changeButtons = page.locator('[data-change=true], #sendexpired, #resend');
    expect(await changeButtons.count()).toBeGreaterThanOrEqual(2 * 4 + 3);
    const states = await changeButtons.evaluateAll((els) =>
      els.map((el) => `${el.id || (el as HTMLElement).dataset.action}:${(el as HTMLButtonElement).disabled}`),
    );
    expect(states.filter((s) => s.endsWith(':false'))).toEqual([]);
    // reads still work
    expect(await page.locator('#detail-attempts tbody tr[data-attempt]').count()).toBeGreaterThan(0);

    const statuses = await page.evaluate(
      async ([t, okId, failingId]) => {
        const send = (method: string, path: string, body?: unknown) =>
          fetch(path, {
            method,
            headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
            body: body === undefined ? undefined : JSON.stringify(body),
          }).then((r) => r.status);
        return {
          ping: await send('POST', `/v1/webhooks/${okId}:ping`),
          sendexpired: await send('POST', '/v1/webhooks:sendexpired', {}),
          update: await send('PATCH', `/v1/webhooks/${failingId}`, { description: 'no' }),
          remove: await send('DELETE', `/v1/webhooks/${failingId}`),
          create: await send('POST', '/v1/webhooks', { url: 'https://example.com/x', enabled_events: ['*'], is_enabled: true }),
          search: await send('POST', '/v1/webhooks:search', {}),
        };
      },
      [session.token, ids.ok, ids.failing],
    );
    expect(statuses).toEqual({ ping: 403, sendexpired: 403, update: 403, remove: 403, create: 403, search: 200 });
    await expectNoOtherTenant(page);
    if (process.env.UPDATE_SCREENSHOT === '1') await page.screenshot({ path: shot('portal-read-only.png'), fullPage: true });
    await page.context().close();
  });

  test('an expired link sends the customer to a clear message', async () => {
    const session = await link({ tenant, ttl_seconds: 10 });
    const page = await openPage();
    await page.goto(session.url);
    await page.locator('#app-view').waitFor();
    // the page polls every 2 s: once the token ends, the next call is a 401
    await page.locator('#portal-ended-view').waitFor({ timeout: 15000 });
    expect(await page.locator('#portal-ended-text').textContent()).toBe('This link has expired, ask the service that sent it to you for a new one.');
    expect(await page.locator('#app-view').isHidden()).toBe(true);
    expect(await page.locator('#signin-view').isHidden()).toBe(true);
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    expect(await page.locator('#webhooks tbody tr').count()).toBe(0);

    await page.context().close();

    // opening it again (or any dead link) shows the same message straight away
    const again = await openPage();
    await again.goto(session.url);
    await again.locator('#portal-ended-view').waitFor();
    expect(again.url()).toBe(`${stack.api.url}/dashboard`);
    expect(await again.locator('#portal-ended-title').textContent()).toBe('This link has expired');
    expect(await again.locator('#app-view').isHidden()).toBe(true);
    // a new link opened in the same tab (only the fragment changes) signs in
    const fresh = await link({ tenant });
    await again.goto(fresh.url);
    await again.locator('#app-view').waitFor();
    expect(again.url()).toBe(`${stack.api.url}/dashboard`);
    await again.context().close();
  });
});
