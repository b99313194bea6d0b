import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { browserSuiteBlocker, launchChromium, signIn } from './dashboard/browser.js';

// The dashboard's session in real headless Chromium against a real cloud: how long a pasted token keeps the user
// signed in. (dashboard-browser.test.ts drives the pages themselves with a fleet and an edge runtime.)

const blocker = browserSuiteBlocker();
if (blocker !== undefined) {
  if (process.env['CI'] !== undefined && process.env['CI'] !== '') throw new Error(`dashboard browser tests cannot run in CI: ${blocker}`);
  console.warn(`\n*** SKIPPING the dashboard session tests: ${blocker} ***\n`);
}

const DAY_SEC = 24 * 3600;

describe.skipIf(blocker !== undefined)('dashboard session in headless Chromium', () => {
  let t: TestCloud;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestCloud(), launchChromium()]);
    await t.createDevice('session-device');
  });

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  beforeEach(async () => {
    await context?.close();
    context = await browser.newContext();
    page = await context.newPage();
  });

  const signInWith = (secret: string): Promise<void> => signIn(page, `${t.cloud.urls.http}/#/`, secret);

  it('keeps a pasted token that is valid for longer than 24.8 days (a timer cannot wait that long) signed in', async () => {
    // az iot hub generate-sas-token --du 2592000: a month. setTimeout clamps delays above 2^31-1 ms to ~1 ms.
    await signInWith(t.serviceToken(30 * DAY_SEC));
    await page.getByTestId('fleet-page').waitFor({ timeout: 10_000 });
    await expect.poll(async () => page.getByTestId('tile-devices').textContent(), { timeout: 10_000 }).toMatch(/^1 device/);
    // The page ran its expiry timer long ago if it was going to: the user is still in, with the token kept.
    await page.getByTestId('sign-out').waitFor();
    expect(await page.getByTestId('sign-in-page').count()).toBe(0);
    expect(await page.evaluate(() => Object.values(sessionStorage).join(''))).toContain('SharedAccessSignature sr=');
  });

  it('still signs out when a pasted token expires while the page is open', async () => {
    await signInWith(t.serviceToken(5));
    await page.getByTestId('fleet-page').waitFor();
    await expect.poll(async () => page.getByTestId('sign-in-notice').count(), { timeout: 10_000 }).toBe(1);
    expect(await page.getByTestId('sign-in-notice').textContent()).toMatch(/token expired/);
  });
});
