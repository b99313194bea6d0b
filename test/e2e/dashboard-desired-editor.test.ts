import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { eventually } from '@verge/testkit';
import { startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { browserSuiteBlocker, launchChromium, signIn } from './dashboard/browser.js';

// The device page's desired-properties editor in real headless Chromium against a real cloud, while someone else
// (a service-side PATCH, as another operator or a job would) changes the same desired properties.

const blocker = browserSuiteBlocker();
if (blocker !== undefined) {
  if (process.env['CI'] !== undefined && process.env['CI'] !== '') throw new Error(`dashboard browser tests cannot run in CI: ${blocker}`);
  console.warn(`\n*** SKIPPING the dashboard desired-editor tests: ${blocker} ***\n`);
}

const DEVICE = 'editor-device';

describe.skipIf(blocker !== undefined)('dashboard desired-properties editor in headless Chromium', () => {
  let t: TestCloud;
  let browser: Browser;
  let page: Page;

  const desired = async (): Promise<Record<string, unknown>> => ((await t.ok('GET', `/twins/${DEVICE}`)) as { properties: { desired: Record<string, unknown> } }).properties.desired;
  const editorText = (): Promise<string> => page.locator('textarea[name=desired]').inputValue();
  const result = async (): Promise<string> => (await page.getByTestId('desired-result').textContent()) ?? '';
  const servicePatch = async (patch: Record<string, unknown>): Promise<void> => {
    await t.ok('PATCH', `/twins/${DEVICE}`, { properties: { desired: patch } });
    // The page reloads on the change stream: the twin view shows the new value.
    await expect.poll(async () => page.getByTestId('twin-desired').textContent(), { timeout: 10_000 }).toContain(JSON.stringify(patch).slice(1, -1).replace(':', ': '));
  };

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestCloud(), launchChromium()]);
    await t.createDevice(DEVICE);
    await t.ok('PATCH', `/twins/${DEVICE}`, { properties: { desired: { interval: 5 } } });
    page = await browser.newPage();
    await signIn(page, `${t.cloud.urls.http}/#/devices/${DEVICE}`, t.cloud.serviceConnectionString, 'desired-editor');
    await eventually(async () => (await page.getByTestId('live-state').getAttribute('data-state')) === 'live', { timeoutMs: 10_000, description: 'the change stream to be live' });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it("refuses to save text loaded before someone else's change, instead of silently putting the old values back", async () => {
    expect(JSON.parse(await editorText())).toEqual({ interval: 5 });
    await page.locator('textarea[name=desired]').fill('{ "interval": 5, "mode": "eco" }');
    await servicePatch({ interval: 10 });
    await page.getByRole('button', { name: 'Save desired' }).click();
    await expect.poll(result, { timeout: 10_000 }).toMatch(/^desired: changed since this text was loaded/);
    expect(await desired()).toMatchObject({ interval: 10 });
    expect(await desired()).not.toHaveProperty('mode');
    // Saving again, having seen the change, applies the text as written.
    await page.getByRole('button', { name: 'Save desired' }).click();
    await expect.poll(result, { timeout: 10_000 }).toMatch(/^Saved: desired \$version \d+/);
    expect(await desired()).toMatchObject({ interval: 5, mode: 'eco' });
  });

  it('follows the twin while the text is untouched, and saves on top of the latest desired properties', async () => {
    await servicePatch({ interval: 20 });
    await expect.poll(async () => JSON.parse(await editorText()) as unknown, { timeout: 10_000 }).toEqual({ interval: 20, mode: 'eco' });
    await page.locator('textarea[name=desired]').fill('{ "interval": 20, "mode": "turbo" }');
    await page.getByRole('button', { name: 'Save desired' }).click();
    await expect.poll(result, { timeout: 10_000 }).toMatch(/^Saved: desired \$version \d+/);
    expect(await desired()).toMatchObject({ interval: 20, mode: 'turbo' });
  });
});
