import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { exampleManifest } from '@verge/testkit/manifest';
import { browserSuiteBlocker, launchChromium, signIn } from './dashboard/browser.js';

// The deployments page in real headless Chromium against a real cloud: moving from one deployment to another.
// (dashboard-browser.test.ts shows one deployment with a rollout next to a fleet and an edge runtime.)

const blocker = browserSuiteBlocker();
if (blocker !== undefined) {
  if (process.env['CI'] !== undefined && process.env['CI'] !== '') throw new Error(`dashboard browser tests cannot run in CI: ${blocker}`);
  console.warn(`\n*** SKIPPING the dashboard deployments tests: ${blocker} ***\n`);
}

describe.skipIf(blocker !== undefined)('dashboard deployments page in headless Chromium', () => {
  let t: TestCloud;
  let browser: Browser;
  let page: Page;

  const createDeployment = (id: string, priority: number): Promise<unknown> =>
    t.ok('PUT', `/configurations/${id}`, { id, priority, targetCondition: "tags.site='nowhere'", content: exampleManifest() });

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestCloud(), launchChromium()]);
    await createDeployment('dep-a', 1);
    await createDeployment('dep-b', 2);
    page = await browser.newPage();
    await signIn(page, `${t.cloud.urls.http}/#/deployments/dep-a`, t.cloud.serviceConnectionString, 'deployment-detail');
  });

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it("shows a deployment's own dry-run only: opening another deployment does not carry the last one's plan over", async () => {
    const detail = page.getByTestId('deployment-detail');
    await detail.getByRole('button', { name: 'Dry-run now' }).click();
    await detail.getByTestId('plan').waitFor({ timeout: 10_000 });
    await page.locator('[data-deployment=dep-b] a').click();
    await expect.poll(async () => detail.locator('h2').first().textContent(), { timeout: 10_000 }).toBe('Deployment dep-b');
    await expect.poll(async () => detail.textContent(), { timeout: 10_000 }).toContain('Priority 2');
    expect(await detail.getByTestId('plan').count()).toBe(0);
  });

  it("explains '.' and '..' as ids that cannot be sent, not as a missing feature or another device", async () => {
    // Before: '..' asked GET /effective (the browser resolves /devices/../effective) and the page said 'Explain is
    // not available on this cloud'; '.' asked for a device called 'effective'.
    const panel = page.getByTestId('explain-panel');
    for (const id of ['..', '.']) {
      await panel.locator('input[name=explainDevice]').fill(id);
      await panel.getByRole('button', { name: 'Explain' }).click();
      await expect
        .poll(async () => panel.getByRole('alert').textContent(), { timeout: 10_000 })
        .toBe(`id '${id}' cannot be sent: '.' and '..' are resolved away in a URL path, so the request would address another resource`);
    }
  });
});
