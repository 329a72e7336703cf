// The admin page in headless Chromium: every action a user needs (create, edit, activate/deactivate, reload, delete,
// details with warnings, health history, config schema and recent logs) and the edges table (which edge is behind the
// studio's plugin-set version), each checked in the DOM, against the API, and in a screenshot of the element that shows it.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, ensureChromium } from './testing/chromium.js';
import { DEMO_PLUGIN, startHarness, TOKEN, type Harness } from './testing/harness.js';
import { pngStats } from './testing/png.js';

const setup = ensureChromium();
if (!setup.ok) throw new Error(`the admin page browser test needs Chromium: ${setup.reason}`);
const SHOTS = join(process.cwd(), '.test-results', 'admin-page');

let h: Harness;
let browser: Browser;
beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  h = await startHarness();
  await h.api('/api/v1/plugins', { method: 'POST', body: { name: 'Live plugin', slug: 'live', command: `file://${DEMO_PLUGIN}`, hook_type: 'pre_auth', is_active: true } });
  await h.api('/api/v1/plugins', { method: 'POST', body: { name: 'Sleeping plugin', slug: 'sleeping', command: `file://${DEMO_PLUGIN}`, hook_type: 'auth', is_active: false } });
  browser = await chromium.launch({ executablePath: setup.ok ? setup.path : '', args: CHROMIUM_ARGS, timeout: 60_000 });
}, 120_000);
afterAll(async () => { await browser?.close(); await h?.stop(); });

/** Screenshots an element into .test-results and checks the picture has the element's size and is not blank. */
async function shot(loc: Locator, name: string): Promise<void> {
  await loc.scrollIntoViewIfNeeded();
  // The element can still grow while the page polls (a health row, a log line arriving): take the picture again until
  // the element's box is the same just before and just after it, and compare the picture with that box.
  let box: { width: number; height: number };
  let png: Buffer;
  for (let attempt = 0; ; attempt++) {
    box = (await loc.boundingBox())!;
    png = await loc.screenshot({ path: join(SHOTS, `${name}.png`) });
    const after = (await loc.boundingBox())!;
    if (attempt === 5 || (Math.round(after.width) === Math.round(box.width) && Math.round(after.height) === Math.round(box.height))) break;
  }
  const s = pngStats(png);
  expect(s.width).toBeGreaterThan(20);
  expect(Math.abs(s.width - Math.round(box.width))).toBeLessThanOrEqual(2);
  expect(Math.abs(s.height - Math.round(box.height))).toBeLessThanOrEqual(2);
  expect(s.distinctBytes, `${name}.png shows more than a blank box`).toBeGreaterThan(8);
}

const row = (page: Page, name: string): Locator => page.locator('#plugins tbody tr', { has: page.locator('td.name', { hasText: new RegExp(`^${name}$`) }) });
const cells = (page: Page) => page.$$eval('#plugins tbody tr', (trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent)));

describe('admin page in headless Chromium', () => {
  it('shows an error for a wrong token, then lists plugins and their health', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text())) errors.push(m.text()); });
    await page.goto(h.url + '/');
    await page.fill('#token', 'not-the-right-token-123');
    await page.click('#load');
    await expect.poll(() => page.textContent('#msg'), { timeout: 20_000 }).toContain('AUTH_INVALID');
    await page.fill('#token', TOKEN);
    await page.click('#load');
    await page.waitForSelector('#plugins tbody tr', { timeout: 20_000 });
    const rows = await cells(page);
    expect(rows.map((r) => r[1])).toEqual(['Live plugin', 'Sleeping plugin']);
    expect(rows[0]![5]).toBe('running');
    expect(rows[1]![5]).toBe('inactive');
    await expect.poll(() => page.$$eval('#plugins tbody td.health', (tds) => tds.map((t) => t.textContent)), { timeout: 20_000 }).toEqual(['SERVING', 'NOT_SERVING']);
    expect(await page.textContent('#msg')).toContain('2 plugin(s)');
    expect(await page.content()).not.toContain(TOKEN);
    await shot(page.locator('#plugins'), 'list');
    expect(errors).toEqual([]); // the CSP blocks nothing the page needs
    await page.close();
  }, 90_000);

  it('creates, edits, deactivates, activates, reloads, shows details and deletes a plugin', async () => {
    const page = await browser.newPage();
    page.on('dialog', (d) => void d.accept());
    await page.goto(h.url + '/');
    await page.fill('#token', TOKEN);
    await page.click('#load');
    await page.waitForSelector('#plugins tbody tr', { timeout: 20_000 });

    // create
    await page.click('#new');
    await page.fill('#f-name', 'UI plugin');
    await page.fill('#f-command', `file://${DEMO_PLUGIN}`);
    await page.selectOption('#f-hook', 'post_auth');
    await page.fill('#f-config', JSON.stringify({ 'x-ui': 'one', password: 'hunter2-ui-secret' }));
    await shot(page.locator('#editor'), 'create-form');
    await page.click('#f-save');
    await expect.poll(() => page.textContent('#msg'), { timeout: 30_000 }).toMatch(/Created UI plugin \(running\); warnings: POLICY_WARN_OUTSIDE_PLUGIN_DIRS/);
    await row(page, 'UI plugin').waitFor();
    const created = (await h.api('/api/v1/plugins?hook_type=post_auth')).body.data.find((p: { name: string }) => p.name === 'UI plugin');
    expect(created).toMatchObject({ slug: 'ui-plugin', hook_type: 'post_auth', is_active: true, config: { 'x-ui': 'one', password: '[REDACTED]' } });
    const id = created.id as number;
    await shot(row(page, 'UI plugin'), 'created-row');

    // edit: the redacted password in the form keeps the stored secret
    await row(page, 'UI plugin').locator('.act-edit').click();
    expect(await page.inputValue('#f-config')).toContain('[REDACTED]');
    await page.fill('#f-name', 'UI plugin 2');
    await page.fill('#f-config', JSON.stringify({ 'x-ui': 'two', password: '[REDACTED]' }));
    await page.click('#f-save');
    await row(page, 'UI plugin 2').waitFor({ timeout: 30_000 });
    expect((await h.store.get(id))!.config).toEqual({ 'x-ui': 'two', password: 'hunter2-ui-secret' });
    await shot(row(page, 'UI plugin 2'), 'edited-row');

    // deactivate, activate
    await row(page, 'UI plugin 2').locator('.act-toggle', { hasText: 'Deactivate' }).click();
    await expect.poll(() => row(page, 'UI plugin 2').locator('td.state').textContent(), { timeout: 30_000 }).toBe('inactive');
    await shot(row(page, 'UI plugin 2'), 'deactivated-row');
    await row(page, 'UI plugin 2').locator('.act-toggle', { hasText: 'Activate' }).click();
    await expect.poll(() => row(page, 'UI plugin 2').locator('td.state').textContent(), { timeout: 30_000 }).toBe('running');
    const pid1 = (await h.api(`/api/v1/plugins/${id}`)).body.data.status.pid as number;

    // reload: a new process
    await row(page, 'UI plugin 2').locator('.act-reload').click();
    await expect.poll(() => page.textContent('#msg'), { timeout: 30_000 }).toMatch(/^Reloaded UI plugin 2 \(running, pid \d+\)$/);
    expect((await h.api(`/api/v1/plugins/${id}`)).body.data.status.pid).not.toBe(pid1);
    await expect.poll(() => row(page, 'UI plugin 2').locator('td.health').textContent(), { timeout: 20_000 }).toBe('SERVING');
    await shot(row(page, 'UI plugin 2'), 'reloaded-row');

    // details: warnings, health history, config schema, recent logs
    await row(page, 'UI plugin 2').locator('.act-details').click();
    await page.locator('#details').waitFor();
    expect(await page.textContent('#d-title')).toBe('UI plugin 2 (ui-plugin)');
    expect(await page.locator('#d-warnings li.warning').first().textContent()).toMatch(/^POLICY_WARN_OUTSIDE_PLUGIN_DIRS: /);
    await page.click('#d-refresh');
    await expect.poll(() => page.locator('#d-health tbody tr').count(), { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
    expect(await page.locator('#d-health tbody tr').first().locator('td').nth(2).textContent()).toBe('SERVING');
    // from GET /api/v1/plugins/{id}/config-schema: the demo plugin's schema of string headers
    await expect.poll(() => page.textContent('#d-schema'), { timeout: 20_000 }).toContain('"additionalProperties"');
    expect(JSON.parse((await page.textContent('#d-schema'))!)).toMatchObject({ schema: { type: 'object' } });
    const logs = await page.textContent('#d-logs');
    expect(logs).toMatch(/INFO plugin started/);
    expect(logs).toMatch(/INFO plugin reloaded/);
    expect(logs).not.toContain('hunter2-ui-secret');
    await shot(page.locator('#details'), 'details');

    // delete
    await row(page, 'UI plugin 2').locator('.act-delete').click();
    await expect.poll(() => row(page, 'UI plugin 2').count(), { timeout: 30_000 }).toBe(0);
    expect(await page.textContent('#msg')).toBe('Deleted UI plugin 2');
    expect((await h.api(`/api/v1/plugins/${id}`)).status).toBe(404);
    expect(await page.locator('#details').isHidden()).toBe(true);
    await shot(page.locator('#plugins'), 'after-delete');
    await page.close();
  }, 180_000);

  it('lists the edges that synced, marking one that is behind the studio\'s plugin-set version', async () => {
    const page = await browser.newPage();
    await page.goto(h.url + '/');
    await page.fill('#token', TOKEN);
    await page.click('#load');
    await page.locator('#edges-section').waitFor({ timeout: 20_000 });
    expect(await page.textContent('#edges tbody')).toBe('No edge has synced yet');
    // an edge fetches the set and reports that it applied version 0
    const set = await h.api('/api/v1/plugin-set', { headers: { 'x-plugway-edge-id': 'edge-test-1', 'x-plugway-edge-applied': '0', 'x-plugway-edge-status': 'ok' } });
    expect(set.status).toBe(200);
    expect(set.body.version).toBeGreaterThan(0);
    await page.reload(); // the token stays in the tab's sessionStorage, so the page loads again by itself
    const edge = page.locator('#edges tbody tr[data-id="edge-test-1"]');
    await edge.waitFor({ timeout: 20_000 });
    expect(await edge.locator('td').allTextContents()).toEqual(['edge-test-1', '0', `behind (${set.body.version} version(s))`, 'ok', expect.stringMatching(/^\d{4}-\d\d-\d\dT/)]);
    expect(await edge.getAttribute('class')).toContain('behind');
    expect(await page.textContent('#edges-version')).toBe(`Studio plugin-set version: ${set.body.version}`);
    expect(await page.content()).not.toContain(TOKEN);
    await shot(page.locator('#edges-section'), 'edges');
    await page.close();
  }, 60_000);
});
