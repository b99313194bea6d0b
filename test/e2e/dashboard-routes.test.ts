import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { browserSuiteBlocker, launchChromium, signIn } from './dashboard/browser.js';

// The dashboard's hash routes in real headless Chromium against a real cloud: URLs an operator types or pastes.
// (dashboard-browser.test.ts drives the pages themselves with a fleet and an edge runtime.)

const blocker = browserSuiteBlocker();
if (blocker !== undefined) {
  if (process.env['CI'] !== undefined && process.env['CI'] !== '') throw new Error(`dashboard browser tests cannot run in CI: ${blocker}`);
  console.warn(`\n*** SKIPPING the dashboard route tests: ${blocker} ***\n`);
}

describe.skipIf(blocker !== undefined)('dashboard routes in headless Chromium', () => {
  let t: TestCloud;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestCloud(), launchChromium()]);
    await t.createDevice('100%');
    page = await browser.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await signIn(page, `${t.cloud.urls.http}/#/`, t.cloud.serviceConnectionString, 'fleet-page');
  });

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it("opens a device whose id holds a '%' typed into the address bar as it is, instead of a blank page", async () => {
    // IoT Hub ids may hold '%'; the page's own links encode it (#/devices/100%25), a typed URL does not.
    await page.goto(`${t.cloud.urls.http}/#/devices/100%`);
    await page.getByTestId('device-page').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('device-id').textContent()).toBe('100%');
    await expect.poll(async () => page.locator('[data-testid=device-page] .badge').first().textContent(), { timeout: 10_000 }).toBe('Disconnected');
    // The page's own link form still works, and a hash change to a malformed one keeps the page alive.
    await page.goto(`${t.cloud.urls.http}/#/devices/100%25`);
    await expect.poll(async () => page.getByTestId('device-id').textContent(), { timeout: 10_000 }).toBe('100%');
    await page.evaluate(() => (location.hash = '#/devices/%E0%A4%A'));
    await expect.poll(async () => page.getByTestId('device-id').textContent(), { timeout: 10_000 }).toBe('%E0%A4%A');
    expect(pageErrors).toEqual([]);
  });
});
