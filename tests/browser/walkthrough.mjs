// Browser walkthrough of the Hitch UI: sign-up, navigation, settings, API tokens, members,
// invitations, a viewer's view, mobile width and dark mode, with no JavaScript errors anywhere.
//
// Usage: node tests/browser/walkthrough.mjs <base_url> <screenshot_dir>
//
// Drives a system Chromium (CHROMIUM, default /usr/bin/chromium) through playwright-core; it
// never downloads a browser. Exits 0 after printing "browser walkthrough: N steps passed";
// on any failure prints the step, the URL and the page text, saves failure.png and exits 1.

import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const OVERALL_DEADLINE_MS = 90_000;
const STEP_TIMEOUT_MS = 30_000;
const ACTION_TIMEOUT_MS = 10_000;
const NAVIGATION_TIMEOUT_MS = 15_000;

const [baseArg, shotArg] = process.argv.slice(2);
if (!baseArg || !shotArg) {
  console.error('usage: node walkthrough.mjs <base_url> <screenshot_dir>');
  process.exit(2);
}
const BASE = baseArg.replace(/\/+$/, '');
const SHOTS = path.resolve(shotArg);
fs.mkdirSync(SHOTS, { recursive: true });

const TS = Date.now();
const COMPANY = 'Acme Browser Co';
const OWNER_EMAIL = `owner+${TS}@example.com`;
const OWNER_PASSWORD = 'correct horse battery';
const INVITEE_EMAIL = `new.person+${TS}@example.com`;
const INVITEE_PASSWORD = 'another good password';
const SECTIONS = ['Connections', 'Recipes', 'Runs', 'Errors', 'Alerts', 'Settings'];

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hitch-chromium-'));
let context = null;
let current = null; // the page a failure report describes
let stepName = '(startup)';
let passed = 0;
const jsErrors = []; // uncaught exceptions
const consoleErrors = [];
const errorDocuments = new Set();

function removeProfile() {
  try {
    fs.rmSync(userDataDir, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    // Best effort: a leftover temp dir must not mask the real result.
  }
}

// The hard stop: even if closing the browser hangs, the process ends.
const hardStop = setTimeout(() => {
  console.error(`browser walkthrough: hard deadline exceeded during step "${stepName}"`);
  removeProfile();
  process.exit(1);
}, OVERALL_DEADLINE_MS + 20_000);
hardStop.unref();

const deadlineAt = Date.now() + OVERALL_DEADLINE_MS;

class Failure extends Error {}

function check(condition, message) {
  if (!condition) throw new Failure(message);
}

function url(p) {
  return BASE + p;
}

function pathOf(page) {
  return new URL(page.url()).pathname;
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Failure(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function step(name, fn) {
  stepName = name;
  const left = deadlineAt - Date.now();
  check(left > 0, `overall deadline of ${OVERALL_DEADLINE_MS} ms exceeded before this step`);
  const budget = Math.min(STEP_TIMEOUT_MS, left);
  await withTimeout(fn(), budget, `step "${name}"`);
  passed += 1;
  console.log(`ok ${passed} - ${name}`);
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, name), fullPage: true, timeout: ACTION_TIMEOUT_MS });
}

function watch(page) {
  page.setDefaultTimeout(ACTION_TIMEOUT_MS);
  page.setDefaultNavigationTimeout(NAVIGATION_TIMEOUT_MS);
  page.on('pageerror', (err) => {
    jsErrors.push(`pageerror on ${page.url()}: ${err.message}`);
  });
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const where = msg.location()?.url || '';
    if (/favicon/i.test(where) || /favicon/i.test(msg.text())) return;
    consoleErrors.push({ text: msg.text(), where, on: page.url() });
  });
  // Chromium logs "Failed to load resource" for a page answered with an error status, such as
  // a form re-rendered with its errors (422). Those are the documents themselves, not broken
  // scripts or styles, so they are told apart by the request's resource type.
  page.on('response', (res) => {
    if (res.status() >= 400 && res.request().resourceType() === 'document') {
      errorDocuments.add(res.url());
    }
  });
}

function jsErrorList() {
  const fromConsole = consoleErrors
    .filter((e) => !(e.text.startsWith('Failed to load resource') && errorDocuments.has(e.where)))
    .map((e) => `console error on ${e.on}: ${e.text}${e.where ? ` (${e.where})` : ''}`);
  return [...jsErrors, ...fromConsole];
}

async function newPage(options = {}) {
  const page = await context.newPage();
  if (options.viewport) await page.setViewportSize(options.viewport);
  current = page;
  return page;
}

// Submits a form by clicking its button and waits for the resulting document to load.
async function submitAndWait(page, button) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), button.click()]);
}

async function clickAndWait(page, link) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), link.click()]);
}

async function pageText(page) {
  const read = () => page.evaluate(() => (document.body ? document.body.innerText : ''));
  try {
    return await read();
  } catch {
    // Caught mid-navigation: let the next document load, then try once more.
    await page.waitForLoadState('domcontentloaded', { timeout: 3_000 }).catch(() => {});
    try {
      return await read();
    } catch (e) {
      return `(page text unavailable: ${e.message})`;
    }
  }
}

async function reportFailure(err) {
  console.error(`\nbrowser walkthrough FAILED in step "${stepName}"`);
  console.error(`error: ${err && err.stack ? err.stack : err}`);
  if (current) {
    let here = '(unknown)';
    try {
      here = current.url();
    } catch {
      // page gone
    }
    console.error(`url: ${here}`);
    const text = await withTimeout(pageText(current), 5_000, 'reading page text').catch(
      (e) => `(page text unavailable: ${e.message})`,
    );
    console.error(`page text (first 2000 chars):\n${String(text).slice(0, 2000)}`);
    try {
      await current.screenshot({ path: path.join(SHOTS, 'failure.png'), fullPage: true, timeout: 5_000 });
      console.error(`screenshot: ${path.join(SHOTS, 'failure.png')}`);
    } catch (e) {
      console.error(`(failure screenshot unavailable: ${e.message})`);
    }
  }
  const errors = jsErrorList();
  if (errors.length) console.error(`JavaScript errors so far:\n  ${errors.join('\n  ')}`);
}

async function main() {
  await step('launch chromium', async () => {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
      ],
      viewport: { width: 1280, height: 800 },
      timeout: 20_000,
    });
    context.on('page', watch);
    for (const p of context.pages()) watch(p);
    current = context.pages()[0] || (await context.newPage());
  });

  const page = current;
  let apiToken = '';
  let inviteLink = '';

  await step('signed-out /overview redirects to /login', async () => {
    await page.goto(url('/overview'));
    check(pathOf(page) === '/login', `expected /login, got ${page.url()}`);
    await page.getByRole('heading', { level: 1, name: 'Sign in to Hitch' }).waitFor();
    check(
      new URL(page.url()).searchParams.get('next') === '/overview',
      `expected next=/overview in ${page.url()}`,
    );
    await shot(page, 'login.png');
  });

  await step('sign-up with invalid input shows field errors', async () => {
    await clickAndWait(page, page.getByRole('link', { name: 'Create an account' }));
    check(pathOf(page) === '/signup', `expected /signup, got ${page.url()}`);
    await page.fill('#signup-company', COMPANY);
    await page.fill('#signup-email', 'not-an-email');
    await page.fill('#signup-password', 'short');
    // The browser's own validation would stop an invalid email before the server sees it;
    // switch it off so the server-side field errors are what's tested.
    await page.locator('form[action="/signup"]').evaluate((f) => {
      f.noValidate = true;
    });
    await submitAndWait(page, page.getByRole('button', { name: 'Create account' }));
    check(pathOf(page) === '/signup', `expected to stay on /signup, got ${page.url()}`);
    await page.locator('#signup-email[aria-invalid="true"]').waitFor();
    await page.locator('#signup-password[aria-invalid="true"]').waitFor();
    const invalid = await page.locator('[aria-invalid="true"]').count();
    check(invalid >= 2, `expected at least 2 invalid fields, found ${invalid}`);
    // The password is never echoed back into the page.
    check((await page.inputValue('#signup-password')) === '', 'password was echoed back');
    await shot(page, 'signup-errors.png');
  });

  await step('sign up for real lands on /overview with a welcome', async () => {
    await page.fill('#signup-company', COMPANY);
    await page.fill('#signup-email', OWNER_EMAIL);
    await page.fill('#signup-password', OWNER_PASSWORD);
    await submitAndWait(page, page.getByRole('button', { name: 'Create account' }));
    check(pathOf(page) === '/overview', `expected /overview, got ${page.url()}`);
    await page.getByRole('status').filter({ hasText: 'Welcome' }).first().waitFor();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    const tenant = (await page.locator('.tenant-name').innerText()).trim();
    check(tenant === COMPANY, `sidebar shows workspace "${tenant}"`);
    await shot(page, 'overview.png');
  });

  for (const section of SECTIONS) {
    await step(`nav: ${section}`, async () => {
      const nav = page.getByRole('navigation', { name: 'Main' });
      const link = nav.getByRole('link', { name: section, exact: true });
      await clickAndWait(page, link);
      const expected = `/${section.toLowerCase()}`;
      check(pathOf(page) === expected, `expected ${expected}, got ${page.url()}`);
      const ariaCurrent = await link.getAttribute('aria-current');
      check(ariaCurrent === 'page', `aria-current on "${section}" is ${JSON.stringify(ariaCurrent)}`);
      const others = await nav.locator('a[aria-current="page"]').count();
      check(others === 1, `${others} nav links carry aria-current="page"`);
      await page.getByRole('heading', { level: 1, name: section, exact: true }).waitFor();
      await shot(page, `${section.toLowerCase()}.png`);
    });
  }

  await step('settings: time zone, API token shown once, token works', async () => {
    if (pathOf(page) !== '/settings') await page.goto(url('/settings'));
    await page.fill('#ws-zone', 'Europe/Berlin');
    await submitAndWait(page, page.getByRole('button', { name: 'Save changes' }));
    await page.locator('.flash--success[role="status"]').waitFor();
    check(
      (await page.inputValue('#ws-zone')) === 'Europe/Berlin',
      `time zone field shows ${await page.inputValue('#ws-zone')}`,
    );
    await page.locator('.account-zone', { hasText: 'Europe/Berlin' }).waitFor();

    await page.fill('#token-name', 'ci');
    await submitAndWait(page, page.getByRole('button', { name: 'Create token' }));
    const box = page.locator('#new-token');
    await box.waitFor();
    apiToken = await box.inputValue();
    check(apiToken.startsWith('hitch_'), `token "${apiToken.slice(0, 12)}…" lacks the hitch_ prefix`);
    const text = await pageText(page);
    check(text.includes('shown once'), 'no "shown once" warning next to the new token');
    await shot(page, 'settings-token.png');

    await page.goto(url('/settings'));
    check(!(await pageText(page)).includes(apiToken), 'full token still in page text after reload');
    check(!(await page.content()).includes(apiToken), 'full token still in page HTML after reload');
    check((await page.locator('#new-token').count()) === 0, 'token box still shown after reload');
    const tokens = page.getByRole('table', { name: 'API tokens' });
    await tokens.getByRole('cell', { name: 'ci', exact: true }).waitFor();

    const res = await withTimeout(
      fetch(url('/api/v1/me'), { headers: { Authorization: `Bearer ${apiToken}` } }),
      ACTION_TIMEOUT_MS,
      'GET /api/v1/me',
    );
    const body = await res.text();
    check(res.ok, `GET /api/v1/me answered ${res.status}: ${body.slice(0, 300)}`);
    const me = JSON.parse(body);
    check(me?.tenant?.name === COMPANY, `API tenant name is ${JSON.stringify(me?.tenant?.name)}`);
    check(
      me.tenant.time_zone === undefined || me.tenant.time_zone === 'Europe/Berlin',
      `API tenant time zone is ${JSON.stringify(me.tenant.time_zone)}`,
    );
    const bad = await withTimeout(
      fetch(url('/api/v1/me'), { headers: { Authorization: `Bearer ${apiToken}x` } }),
      ACTION_TIMEOUT_MS,
      'GET /api/v1/me with a wrong token',
    );
    check(bad.status === 401, `a wrong token got ${bad.status}, expected 401`);
  });

  await step('members: invite a viewer', async () => {
    const tabs = page.getByRole('navigation', { name: 'Settings' });
    await clickAndWait(page, tabs.getByRole('link', { name: 'Members', exact: true }));
    check(pathOf(page) === '/settings/members', `expected /settings/members, got ${page.url()}`);
    const tab = tabs.getByRole('link', { name: 'Members', exact: true });
    check((await tab.getAttribute('aria-current')) === 'page', 'Members tab is not marked current');
    await page.fill('#invite-email', INVITEE_EMAIL);
    await page.selectOption('#invite-role', 'viewer');
    await submitAndWait(page, page.getByRole('button', { name: 'Create invitation' }));
    const box = page.locator('#invite-link');
    await box.waitFor();
    inviteLink = await box.inputValue();
    check(/^https?:\/\/.+\/invitations\/[^/]+$/.test(inviteLink), `odd invitation link "${inviteLink}"`);
    await page
      .getByRole('table', { name: 'Pending invitations' })
      .getByRole('cell', { name: INVITEE_EMAIL })
      .waitFor();
    await shot(page, 'members-invite.png');
  });

  await step('sign out, accept the invitation, viewer has no token form', async () => {
    await submitAndWait(page, page.getByRole('button', { name: 'Sign out' }));
    await page.locator('body.signed-out').waitFor();

    // The link carries the server's public URL; open the same path on the address under test.
    const link = new URL(inviteLink);
    if (link.origin !== new URL(BASE).origin) {
      console.log(`note: invitation link origin ${link.origin} differs from ${BASE}; using its path`);
    }
    await page.goto(url(link.pathname));
    await page.getByRole('heading', { level: 1, name: `Join ${COMPANY} on Hitch as viewer` }).waitFor();
    check(
      (await page.inputValue('#invite-accept-email')) === INVITEE_EMAIL,
      'invitation page shows a different email',
    );

    await page.fill('#invite-accept-password', 'short');
    await submitAndWait(page, page.getByRole('button', { name: 'Accept invitation' }));
    check(pathOf(page) === link.pathname, `short password left the invitation page: ${page.url()}`);
    await page.locator('[role="alert"], [aria-invalid="true"]').first().waitFor();

    await page.fill('#invite-accept-password', INVITEE_PASSWORD);
    await submitAndWait(page, page.getByRole('button', { name: 'Accept invitation' }));
    check(pathOf(page) === '/overview', `expected /overview, got ${page.url()}`);
    const email = (await page.locator('.account-email').innerText()).trim();
    check(email === INVITEE_EMAIL, `signed in as "${email}"`);
    const role = (await page.locator('.account-role').innerText()).trim();
    check(role === 'Viewer', `role shown is "${role}"`);

    await clickAndWait(
      page,
      page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings', exact: true }),
    );
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
    check((await page.locator('form[action="/settings/tokens"]').count()) === 0, 'viewer sees the token form');
    check((await page.locator('#token-name').count()) === 0, 'viewer sees the token name field');
    check(
      (await page.getByRole('button', { name: 'Save changes' }).count()) === 0,
      'viewer sees "Save changes"',
    );
    await shot(page, 'viewer-settings.png');
  });

  await step('mobile overview has no horizontal scroll', async () => {
    const mobile = await newPage({ viewport: { width: 390, height: 844 } });
    await mobile.goto(url('/overview'));
    check(pathOf(mobile) === '/overview', `expected /overview, got ${mobile.url()}`);
    await mobile.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await shot(mobile, 'overview-mobile.png');
    const width = await mobile.evaluate(() => document.documentElement.scrollWidth);
    check(width <= 391, `page is ${width}px wide at a 390px viewport (horizontal scroll)`);
    await mobile.close();
    current = page;
  });

  await step('dark mode overview', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(url('/overview'));
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    const dark = await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches);
    check(dark, 'dark colour scheme is not in effect');
    await shot(page, 'overview-dark.png');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  await step('no JavaScript errors', async () => {
    const errors = jsErrorList();
    check(errors.length === 0, `JavaScript errors:\n  ${errors.join('\n  ')}`);
  });
}

let code = 0;
try {
  let deadlineTimer;
  const deadline = new Promise((_, reject) => {
    deadlineTimer = setTimeout(
      () => reject(new Failure(`overall deadline of ${OVERALL_DEADLINE_MS} ms exceeded`)),
      OVERALL_DEADLINE_MS,
    );
  });
  try {
    await Promise.race([main(), deadline]);
  } finally {
    clearTimeout(deadlineTimer);
  }
  console.log(`browser walkthrough: ${passed} steps passed`);
} catch (err) {
  code = 1;
  await reportFailure(err);
} finally {
  if (context) await withTimeout(context.close(), 10_000, 'closing chromium').catch(() => {});
  removeProfile();
}
process.exit(code);
