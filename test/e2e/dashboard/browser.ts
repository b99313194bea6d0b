import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Debian's Chromium (`apt-get install chromium`; `.ci/run` installs it); `$VERGE_CHROMIUM` overrides. */
export const CHROMIUM = process.env['VERGE_CHROMIUM'] ?? '/usr/bin/chromium';

/** Where the browser tests keep their screenshots (gitignored; CI keeps them as artifacts). */
export const SCREENSHOT_DIR = join(root, 'test-results', 'dashboard');

/** The dashboard build the cloud serves (`npm run build`). */
export const DASHBOARD_INDEX = join(root, 'apps', 'dashboard', 'dist', 'index.html');

/**
 * Why the browser suite cannot run here, or undefined when it can. Missing Chromium skips it LOUDLY on a
 * developer machine and fails it in CI (`CI` set), where `.ci/run` installs it.
 */
export function browserSuiteBlocker(): string | undefined {
  if (!existsSync(CHROMIUM)) return `Chromium not found at ${CHROMIUM} (apt-get install chromium, or set VERGE_CHROMIUM)`;
  return undefined;
}

/** Headless Chromium driven by playwright-core (no browser download: the system one). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(DASHBOARD_INDEX)) throw new Error(`the dashboard is not built (${DASHBOARD_INDEX} missing): run \`npm run build\``);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

/**
 * Opens `url` (a dashboard route) and signs in with `secret` (a connection string or a SAS token) on the sign-in form;
 * with `ready`, waits for the element of that test id (the page the route shows once signed in).
 */
export async function signIn(page: Page, url: string, secret: string, ready?: string): Promise<void> {
  await page.goto(url);
  await page.locator('textarea[name=secret]').fill(secret);
  await page.getByRole('button', { name: 'Sign in' }).click();
  if (ready !== undefined) await page.getByTestId(ready).waitFor({ timeout: 10_000 });
}
