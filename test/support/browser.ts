import type { Browser, BrowserContext, Page } from 'playwright-core';

/**
 * The user's part of a sign-in, played through a real headless Chromium (Debian's, never a downloaded
 * one) on the identity provider's own pages: oidc-provider's login form, its consent page, its device
 * code form.
 */
export const CHROMIUM = '/usr/bin/chromium';

export interface TestBrowser {
  /** A fresh profile (cookies, sessions) per call: each sign-in starts signed out. */
  newContext(): Promise<BrowserContext>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  const { chromium } = await import('playwright-core');
  // playwright gives every launch a fresh temporary profile of its own (it refuses --user-data-dir here).
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 60_000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    newContext: () => browser.newContext(),
    close: async () => {
      await browser.close();
    },
  };
}

/** oidc-provider's development login page: any login name and password sign in as that user. */
async function submitLogin(page: Page, login: string): Promise<void> {
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password');
  await page.locator('button[type="submit"]').click();
}

/** The consent page ("Authorize"), when the provider shows one. */
async function consentIfAsked(page: Page): Promise<void> {
  const consent = page.locator('button[type="submit"]:has-text("Continue"), button[autofocus]');
  if (await consent.count()) await consent.first().click();
}

export interface SignInOptions {
  login: string;
  /** Cancel on the consent page instead of authorizing (access_denied). */
  cancel?: boolean;
}

/**
 * Opens the authorization URL, signs in and consents, and returns the text of the page the browser
 * lands on: tokenctl's loopback page, or the provider's error page.
 */
export async function signInInBrowser(browser: TestBrowser, url: string, options: SignInOptions): Promise<string> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(url);
    await submitLogin(page, options.login);
    await page.waitForLoadState('load');
    if (options.cancel) {
      await page.locator('a:has-text("Cancel"), button:has-text("Cancel"), a[href*="abort"]').first().click();
    } else {
      await consentIfAsked(page);
    }
    await page.waitForURL(/^http:\/\/(127\.0\.0\.1|localhost):\d+\//, { timeout: 20_000 }).catch(() => undefined);
    await page.waitForLoadState('load');
    return await page.locator('body').innerText();
  } finally {
    await context.close();
  }
}

/** The device flow from the user's side: the verification page, the code, the login, the confirmation. */
export async function enterDeviceCode(browser: TestBrowser, verificationUri: string, userCode: string | undefined, options: SignInOptions): Promise<string> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(verificationUri);
    if (userCode !== undefined) {
      await page.locator('input[name="user_code"]').fill(userCode);
      await page.locator('button[type="submit"]').first().click();
      await page.waitForLoadState('load');
    }
    // oidc-provider asks to confirm the code before the login.
    const confirm = page.locator('button[type="submit"]:has-text("Continue"), button[name="confirm"]');
    if (await confirm.count()) await confirm.first().click();
    await page.waitForLoadState('load');
    await submitLogin(page, options.login);
    await page.waitForLoadState('load');
    if (options.cancel) {
      await page.locator('a:has-text("Cancel"), button:has-text("Cancel"), a[href*="abort"]').first().click();
    } else {
      await consentIfAsked(page);
    }
    await page.waitForLoadState('load');
    return await page.locator('body').innerText();
  } finally {
    await context.close();
  }
}
