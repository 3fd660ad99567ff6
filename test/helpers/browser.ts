// Browser tests: the real app listening on 127.0.0.1 with its own test database, driven by Debian's
// Chromium through playwright-core. Screenshots and PDFs go to test-artifacts/ (git-ignored).
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import type { Test } from 'tap';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createStaff, setupApp, type TestContext } from './app.js';
import type { Role } from '../../src/domain/roles.js';
import type { TestClock } from './clock.js';

export const ARTIFACTS = path.resolve('test-artifacts');
export const SCREENSHOTS = path.join(ARTIFACTS, 'screenshots');
export const PASSWORD = 'correct-horse-battery';

const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
];

export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 375, height: 740 };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface LiveApp extends TestContext {
  base: string;
  browser: Browser;
}

/**
 * The app on a real port whose address is also its PUBLIC_BASE_URL (so the receipt's QR code opens
 * this very server), and one headless Chromium; both closed at the end of the test.
 */
export async function liveApp(
  t: Test,
  opts: { queueDashboard?: boolean; env?: Record<string, string>; clock?: TestClock } = {},
): Promise<LiveApp> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const ctx = await setupApp(t, { env: { ...opts.env, PUBLIC_BASE_URL: base }, queueDashboard: opts.queueDashboard, clock: opts.clock });
  await ctx.app.listen({ port, host: '127.0.0.1' });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  t.teardown(() => browser.close());
  mkdirSync(SCREENSHOTS, { recursive: true });
  return { ...ctx, base, browser };
}

/** A fresh browser profile (its own cookies) at a viewport; CSP violations and page errors fail the test. */
export async function newPage(
  t: Test,
  live: LiveApp,
  viewport = DESKTOP,
  /** Console lines a test provokes on purpose (a 500 page answers its document with a 500). */
  expectedConsole: RegExp = /status of 4\d\d/,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await live.browser.newContext({ viewport, baseURL: live.base, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const page = await context.newPage();
  page.on('pageerror', (err) => t.fail(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !expectedConsole.test(msg.text())) t.fail(`console error: ${msg.text()}`);
  });
  t.teardown(() => context.close());
  return { context, page };
}

export async function staffUser(live: LiveApp, roles: Role[], departmentCode: string | null = null): Promise<string> {
  return createStaff(live, roles, departmentCode);
}

/** Signs in through the login page, typing like a person. */
export async function signIn(page: Page, username: string): Promise<void> {
  await page.goto('/staff/login');
  // Autofocus lands with the first rendering update, which may come after the load event.
  await waitForFocus(page, 'username');
  await page.keyboard.type(username);
  await page.keyboard.press('Tab');
  await page.keyboard.type(PASSWORD);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/staff/login')), page.keyboard.press('Enter')]);
}

export async function waitForFocus(page: Page, id: string): Promise<void> {
  await page.waitForFunction((want) => document.activeElement?.id === want, id, { timeout: 5000 });
}

/** Saves a full-page screenshot as test-artifacts/screenshots/<name>-<width>.png. */
export async function shot(page: Page, name: string): Promise<string> {
  const file = path.join(SCREENSHOTS, `${name}-${page.viewportSize()?.width ?? 0}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
