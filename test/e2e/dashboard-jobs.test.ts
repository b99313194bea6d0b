import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { browserSuiteBlocker, launchChromium, signIn } from './dashboard/browser.js';

// The dashboard's jobs page in real headless Chromium against a real cloud holding more jobs than one page of
// `GET /jobs/v2/query` (dashboard-browser.test.ts shows one job next to a fleet and an edge runtime).

const blocker = browserSuiteBlocker();
if (blocker !== undefined) {
  if (process.env['CI'] !== undefined && process.env['CI'] !== '') throw new Error(`dashboard browser tests cannot run in CI: ${blocker}`);
  console.warn(`\n*** SKIPPING the dashboard jobs tests: ${blocker} ***\n`);
}

/** More than the cloud's default page of jobs (100). */
const OLDER_JOBS = 120;

describe.skipIf(blocker !== undefined)('dashboard jobs page in headless Chromium', () => {
  let t: TestCloud;
  let browser: Browser;
  let page: Page;

  const createJob = (jobId: string): Promise<unknown> =>
    t.ok('PUT', `/jobs/v2/${jobId}`, { jobId, type: 'scheduleUpdateTwin', queryCondition: "deviceId = 'nobody'", updateTwin: { etag: '*', tags: { site: 'lab' } }, maxExecutionTimeInSeconds: 60 });

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestCloud(), launchChromium()]);
    // The cloud pages jobs by id: 'a-…' fill the first page, the newest job sorts after them.
    for (let i = 0; i < OLDER_JOBS; i++) await createJob(`a-${String(i).padStart(3, '0')}`);
    await createJob('z-newest');
    page = await browser.newPage();
    await signIn(page, `${t.cloud.urls.http}/#/jobs`, t.cloud.serviceConnectionString, 'jobs-page');
  });

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('lists every job, the newest first, not only the first page of them by id', async () => {
    const rows = page.locator('[data-testid=job-list] tr[data-job]');
    await expect.poll(async () => rows.count(), { timeout: 10_000 }).toBe(OLDER_JOBS + 1);
    expect(await rows.first().getAttribute('data-job')).toBe('z-newest');
  });
});
