import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_ARGS, ensureChromium } from './testing/chromium.js';
import { DEMO_PLUGIN, startHarness, TOKEN, type Harness } from './testing/harness.js';

const setup = ensureChromium();
if (!setup.ok) console.warn(`skipping the admin page browser test: ${setup.reason}`);

describe.skipIf(!setup.ok)('admin page in headless Chromium', () => {
  let h: Harness;
  let browser: Browser;
  beforeAll(async () => {
    h = await startHarness();
    await h.api('/api/v1/plugins', { method: 'POST', body: { name: 'Live plugin', slug: 'live', command: `file://${DEMO_PLUGIN}`, hook_type: 'pre_auth', is_active: true } });
    await h.api('/api/v1/plugins', { method: 'POST', body: { name: 'Sleeping plugin', slug: 'sleeping', command: `file://${DEMO_PLUGIN}`, hook_type: 'auth', is_active: false } });
    browser = await chromium.launch({ executablePath: setup.ok ? setup.path : '', args: CHROMIUM_ARGS, timeout: 60_000 });
  }, 120_000);
  afterAll(async () => { await browser?.close(); await h?.stop(); });

  it('shows an error for a wrong token, then lists plugins and their health', async () => {
    const page = await browser.newPage();
    await page.goto(h.url + '/');
    await page.fill('#token', 'not-the-right-token-123');
    await page.click('#load');
    await expect.poll(() => page.textContent('#msg'), { timeout: 20_000 }).toContain('AUTH_INVALID');
    await page.fill('#token', TOKEN);
    await page.click('#load');
    await page.waitForSelector('#plugins tbody tr', { timeout: 20_000 });
    const rows = await page.$$eval('#plugins tbody tr', (trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent)));
    expect(rows.map((r) => r[1])).toEqual(['Live plugin', 'Sleeping plugin']);
    expect(rows[0]![5]).toBe('running');
    expect(rows[1]![5]).toBe('inactive');
    await expect.poll(() => page.$$eval('#plugins tbody td.health', (tds) => tds.map((t) => t.textContent)), { timeout: 20_000 }).toEqual(['SERVING', 'NOT_SERVING']);
    expect(await page.textContent('#msg')).toContain('2 plugin(s)');
    // the token never lands in the page's markup
    expect(await page.content()).not.toContain(TOKEN);
    await page.close();
  }, 90_000);
});
