// Browser walkthrough of the Hitch UI: sign-up, navigation, settings, API tokens, connections
// (catalog, an API key, OAuth sign-in at the sandbox: approve, deny, revoke and reconnect,
// delete), a sync recipe (the editor, preview, save, run, runs, record errors, a preview with
// record problems), members, invitations, a viewer's view, mobile width and dark mode, with no
// JavaScript errors anywhere.
//
// Usage: node tests/browser/walkthrough.mjs <base_url> <screenshot_dir> <sandbox_url>
//
// <sandbox_url> is a running `hitch sandbox`; the server under test must have been started with
// HITCH_PROVIDERS_SANDBOX set to it, so every provider (consent pages, token endpoints,
// account checks) is the sandbox's stand-in. The recipe steps reset the sandbox's Stripe and
// HubSpot data through its control API.
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
// A run page is reloaded this often until the run ends, for at most RUN_DEADLINE_MS.
const RUN_POLL_MS = 200;
const RUN_DEADLINE_MS = 30_000;

const [baseArg, shotArg, sandboxArg] = process.argv.slice(2);
if (!baseArg || !shotArg || !sandboxArg) {
  console.error('usage: node walkthrough.mjs <base_url> <screenshot_dir> <sandbox_url>');
  process.exit(2);
}
const BASE = baseArg.replace(/\/+$/, '');
const SANDBOX = sandboxArg.replace(/\/+$/, '');
const SHOTS = path.resolve(shotArg);
fs.mkdirSync(SHOTS, { recursive: true });

const TS = Date.now();
const COMPANY = 'Acme Browser Co';
const OWNER_EMAIL = `owner+${TS}@example.com`;
const OWNER_PASSWORD = 'correct horse battery';
const INVITEE_EMAIL = `new.person+${TS}@example.com`;
const INVITEE_PASSWORD = 'another good password';
const SECTIONS = ['Connections', 'Recipes', 'Runs', 'Errors', 'Alerts', 'Settings'];
// The sandbox's deterministic credentials and identities (server/src/sandbox/mod.rs).
const STRIPE_LABEL = 'Stripe (test)';
const STRIPE_WRONG_KEY = 'sk_test_wrong_0000';
const STRIPE_KEY = 'sk_test_sandbox_walkthrough_4242';
const STRIPE_ACCOUNT = 'acct_1HitchSandbox000';
const HUBSPOT_LABEL = 'HubSpot';
const HUBSPOT_PORTAL = '24681357';
// The recipe (tests/e2e/sync.rs, recipe_editor_in_the_browser, does the same over HTTP).
const RECIPE_NAME = 'Customers to contacts';
const BROKEN_RECIPE_NAME = 'Customers to contacts, numbered';
const STRIPE_CUSTOMERS = 25;

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

async function step(name, fn, timeoutMs = STEP_TIMEOUT_MS) {
  stepName = name;
  const left = deadlineAt - Date.now();
  check(left > 0, `overall deadline of ${OVERALL_DEADLINE_MS} ms exceeded before this step`);
  const budget = Math.min(timeoutMs, left);
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

// The flash banner of the current page: kind is success (role=status) or error (role=alert).
function flash(page, kind) {
  const role = kind === 'error' ? 'alert' : 'status';
  return page.locator(`.flash--${kind}[role="${role}"]`);
}

// The status word next to a connection's name on its page.
async function connectionStatus(page) {
  return (await page.locator('.connection-meta .status').innerText()).trim();
}

// A definition list row of a connection's details, by its term.
async function detail(page, term) {
  const row = page.locator('dl.details > div').filter({ has: page.getByText(term, { exact: true }) });
  return (await row.locator('dd').innerText()).trim();
}

function onConnectionPage(page) {
  const p = pathOf(page);
  return /^\/connections\/[^/]+$/.test(p) && p !== '/connections/new';
}

// The rows of the Connections table (none when the page shows its empty state).
function connectionRows(page) {
  return page.getByRole('table', { name: 'Connections' }).locator('tbody tr');
}

// POSTs to the sandbox's control API, with a JSON body when one is given.
async function sandboxControl(p, json) {
  const init = { method: 'POST' };
  if (json !== undefined) {
    init.headers = { 'Content-Type': 'application/json' };
    init.body = JSON.stringify(json);
  }
  const res = await withTimeout(fetch(SANDBOX + p, init), ACTION_TIMEOUT_MS, `POST ${p}`);
  const body = await res.text();
  check(res.ok, `sandbox ${p} answered ${res.status}: ${body.slice(0, 300)}`);
  return body;
}

// What the sandbox holds for one provider's object (its control API): { total, results }.
async function sandboxRecords(provider, object) {
  const p = `/_sandbox/${provider}/${object}?limit=1000`;
  const res = await withTimeout(fetch(SANDBOX + p), ACTION_TIMEOUT_MS, `GET ${p}`);
  const body = await res.text();
  check(res.ok, `sandbox ${p} answered ${res.status}: ${body.slice(0, 300)}`);
  return JSON.parse(body);
}

// Chooses the <option> whose visible text is `text`, or starts with it followed by " (" (the
// editor shows connections as "<label> (<provider>)").
async function selectByText(page, selector, text) {
  const texts = (await page.locator(`${selector} option`).allInnerTexts()).map((t) => t.trim());
  const label = texts.find((t) => t === text) ?? texts.find((t) => t.startsWith(`${text} (`));
  check(label !== undefined, `${selector} offers no "${text}" among ${JSON.stringify(texts)}`);
  await page.selectOption(selector, { label });
}

// The Recipes page's "New recipe" button (the empty state repeats it as a link of its own).
function newRecipeButton(page) {
  return page.locator('.page-actions').getByRole('link', { name: 'New recipe', exact: true });
}

// The recipe editor's row (a <tbody>) for one destination field.
function mappingRow(page, target) {
  return page.locator('table.mapping tbody.rule').filter({
    has: page.locator(`input[type="hidden"][name$="-target"][value="${target}"]`),
  });
}

// Fills the editor's name and both ends by their visible labels, pressing "Load fields" once to
// list the connections' objects and once more to list the destination's fields as rows.
async function chooseRecipeEnds(page, name) {
  await page.fill('#name', name);
  await selectByText(page, '#source_connection', STRIPE_LABEL);
  await selectByText(page, '#destination_connection', HUBSPOT_LABEL);
  const load = page.getByRole('button', { name: 'Load fields', exact: true });
  await submitAndWait(page, load);
  check(pathOf(page) === '/recipes/new', `Load fields left the editor: ${page.url()}`);
  check((await page.inputValue('#name')) === name, 'Load fields lost the name');
  await selectByText(page, '#source_object', 'Customers');
  await selectByText(page, '#destination_object', 'Contacts');
  await submitAndWait(page, load);
  await mappingRow(page, 'email').waitFor();
  const ends = [await page.inputValue('#source_connection'), await page.inputValue('#destination_object')];
  check(ends[0] !== '' && ends[1] === 'contacts', `Load fields lost the ends: ${JSON.stringify(ends)}`);
}

// The number in one tile of a run's counts ("Read", "Created", …).
async function runCount(page, label) {
  const tile = page.locator('dl.stats--run .stat').filter({ has: page.getByText(label, { exact: true }) });
  return Number((await tile.locator('dd').innerText()).replace(/[^0-9]/g, ''));
}

// On a Hitch connect/reconnect page: "Sign in with <provider>" must land on the sandbox's
// consent page.
async function signInAtSandbox(page, provider) {
  await submitAndWait(page, page.getByRole('button', { name: `Sign in with ${provider}`, exact: true }));
  check(page.url().startsWith(`${SANDBOX}/`), `expected the sandbox consent page, got ${page.url()}`);
  await page.getByRole('heading', { level: 1, name: `Hitch sandbox · ${provider}` }).waitFor();
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
      // The Errors section's page is titled "Record errors"; the others carry the nav word.
      const heading = section === 'Errors' ? 'Record errors' : section;
      await page.getByRole('heading', { level: 1, name: heading, exact: true }).waitFor();
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

  let stripePath = '';
  let hubspotPath = '';
  let recipePath = '';
  let runPath = '';
  let runCounts = null; // the first run's counts, by tile label

  await step('connections: empty state, catalog search and category filter', async () => {
    await clickAndWait(
      page,
      page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Connections', exact: true }),
    );
    check(pathOf(page) === '/connections', `expected /connections, got ${page.url()}`);
    await page.getByRole('heading', { name: 'No connections yet' }).waitFor();
    check((await connectionRows(page).count()) === 0, 'a new workspace lists connections');
    const add = page.getByRole('link', { name: 'Add connection', exact: true });
    check((await add.count()) >= 1, 'no "Add connection" button on the empty Connections page');
    await shot(page, 'connections-empty.png');
    await clickAndWait(page, add.first());
    check(pathOf(page) === '/connections/new', `expected /connections/new, got ${page.url()}`);
    await page.getByRole('heading', { level: 1, name: 'Add a connection' }).waitFor();

    const tileNames = page.locator('ul.tiles .tile-name');
    await page.fill('#catalog-q', 'hub');
    await submitAndWait(page, page.getByRole('button', { name: 'Filter', exact: true }));
    check(new URL(page.url()).searchParams.get('q') === 'hub', `search not in the URL: ${page.url()}`);
    const hub = await tileNames.allInnerTexts();
    check(hub.length === 1 && hub[0].trim() === 'HubSpot', `searching "hub" shows ${JSON.stringify(hub)}`);
    check(
      (await page.getByRole('heading', { level: 2, name: 'Stripe', exact: true }).count()) === 0,
      'a Stripe tile is shown for "hub"',
    );
    check((await page.inputValue('#catalog-q')) === 'hub', 'the search box lost its text');

    await page.fill('#catalog-q', '');
    await page.selectOption('#catalog-category', 'payments');
    await submitAndWait(page, page.getByRole('button', { name: 'Filter', exact: true }));
    const payments = (await tileNames.allInnerTexts()).map((t) => t.trim());
    for (const name of ['Stripe', 'PayPal', 'Square']) {
      check(payments.includes(name), `Payments shows ${JSON.stringify(payments)}, without ${name}`);
    }
    check(!payments.includes('HubSpot'), `Payments shows ${JSON.stringify(payments)}`);
    check((await page.inputValue('#catalog-category')) === 'payments', 'the category choice was lost');
    await shot(page, 'catalog.png');
  });

  await step('connect Stripe: a wrong key shows the provider error, the right one connects', async () => {
    await clickAndWait(page, page.getByRole('link', { name: 'Connect Stripe', exact: true }));
    check(pathOf(page) === '/connections/new/stripe', `expected /connections/new/stripe, got ${page.url()}`);
    await page.getByRole('heading', { level: 1, name: 'Connect Stripe' }).waitFor();

    await page.fill('#cred-label', STRIPE_LABEL);
    await page.fill('#cred-api_key', STRIPE_WRONG_KEY);
    await submitAndWait(page, page.getByRole('button', { name: 'Connect', exact: true }));
    check(pathOf(page) === '/connections/new/stripe', `a wrong key left the connect page: ${page.url()}`);
    const alert = page.locator('.connect [role="alert"]');
    await alert.waitFor();
    const said = await alert.innerText();
    check(said.includes('Invalid API Key'), `the error does not carry Stripe's words: "${said}"`);
    const values = await page.locator('input').evaluateAll((els) => els.map((e) => e.value));
    check(!values.some((v) => v.includes(STRIPE_WRONG_KEY)), 'the wrong key was sent back in an input');
    check(!(await page.content()).includes(STRIPE_WRONG_KEY), 'the wrong key is in the page HTML');
    check((await page.inputValue('#cred-label')) === STRIPE_LABEL, 'the connection name was not kept');
    await shot(page, 'connect-error.png');

    await page.fill('#cred-api_key', STRIPE_KEY);
    await submitAndWait(page, page.getByRole('button', { name: 'Connect', exact: true }));
    check(onConnectionPage(page), `expected a connection page, got ${page.url()}`);
    stripePath = pathOf(page);
    await flash(page, 'success').filter({ hasText: `Connected ${STRIPE_LABEL}` }).waitFor();
    await page.getByRole('heading', { level: 1, name: STRIPE_LABEL, exact: true }).waitFor();
    const status = await connectionStatus(page);
    check(status === 'Healthy', `Stripe status is "${status}"`);
    const account = await detail(page, 'Account');
    check(account.includes(STRIPE_ACCOUNT), `account shown is "${account}"`);
    const secret = await detail(page, 'Secret');
    check(secret === '…4242', `secret shown as "${secret}"`);
    check(!(await page.content()).includes(STRIPE_KEY), 'the full key is in the page HTML');
    await shot(page, 'connection-stripe.png');

    await submitAndWait(page, page.getByRole('button', { name: 'Test connection', exact: true }));
    check(pathOf(page) === stripePath, `testing left the connection page: ${page.url()}`);
    const ok = (await flash(page, 'success').innerText()).trim();
    check(/\bworks\b.*\d+ ms/.test(ok), `test flash says "${ok}"`);

    // Runs at once, from the Manage panel.
    check((await detail(page, 'Runs at once')) === '4 (the default)', 'the default limit is not shown');
    await page.fill('#runs-limit', '2');
    await submitAndWait(page, page.getByRole('button', { name: 'Save limit', exact: true }));
    check(pathOf(page) === stripePath, `saving the limit left the connection page: ${page.url()}`);
    await flash(page, 'success').filter({ hasText: `Up to 2 runs use ${STRIPE_LABEL} at once` }).waitFor();
    const limit = await detail(page, 'Runs at once');
    check(limit === '2', `runs at once shown as "${limit}"`);
    await shot(page, 'connection-limit.png');
  });

  await step('connect HubSpot by OAuth: sandbox consent, approve', async () => {
    await page.goto(url('/connections/new'));
    await clickAndWait(page, page.getByRole('link', { name: 'Connect HubSpot', exact: true }));
    await page.getByRole('heading', { level: 1, name: 'Connect HubSpot' }).waitFor();
    await signInAtSandbox(page, 'HubSpot');
    await shot(page, 'consent.png');
    await submitAndWait(page, page.getByRole('button', { name: 'Approve', exact: true }));
    check(page.url().startsWith(BASE), `approving did not return to Hitch: ${page.url()}`);
    check(onConnectionPage(page), `expected a connection page, got ${page.url()}`);
    hubspotPath = pathOf(page);
    check(hubspotPath !== stripePath, 'HubSpot landed on the Stripe connection');
    await flash(page, 'success').filter({ hasText: `Connected ${HUBSPOT_LABEL}` }).waitFor();
    const status = await connectionStatus(page);
    check(status === 'Healthy', `HubSpot status is "${status}"`);
    const account = await detail(page, 'Account');
    check(
      account.includes('HubSpot portal ID') && account.includes(HUBSPOT_PORTAL),
      `account shown is "${account}"`,
    );
    await shot(page, 'connection-hubspot.png');
  });

  await step('HubSpot sign-in denied at the consent page connects nothing', async () => {
    await page.goto(url('/connections/new/hubspot'));
    await signInAtSandbox(page, 'HubSpot');
    await submitAndWait(page, page.getByRole('button', { name: 'Deny', exact: true }));
    check(page.url().startsWith(BASE), `denying did not return to Hitch: ${page.url()}`);
    const error = (await flash(page, 'error').innerText()).trim();
    check(/not granted/i.test(error), `error flash says "${error}"`);
    await shot(page, 'connect-denied.png');
    await page.goto(url('/connections'));
    const rows = await connectionRows(page).count();
    check(rows === 2, `${rows} connections listed after a denied sign-in, expected 2`);
  });

  await step('revoked at HubSpot: test fails, needs reconnect, reconnect by OAuth', async () => {
    await sandboxControl('/_sandbox/oauth/hubspot/revoke');
    await page.goto(url(hubspotPath));
    await submitAndWait(page, page.getByRole('button', { name: 'Test connection', exact: true }));
    check(pathOf(page) === hubspotPath, `testing left the connection page: ${page.url()}`);
    await flash(page, 'error').waitFor();
    const status = await connectionStatus(page);
    check(status === 'Needs reconnect', `status after the revoke is "${status}"`);
    const reconnect = page.locator('.callout').getByRole('link', { name: 'Reconnect', exact: true });
    await reconnect.waitFor();
    const cls = (await reconnect.getAttribute('class')) || '';
    check(cls.includes('btn-primary'), `the callout's Reconnect is not a primary button (class "${cls}")`);
    await shot(page, 'needs-reconnect.png');

    await clickAndWait(page, reconnect);
    check(pathOf(page) === `${hubspotPath}/reconnect`, `expected the reconnect page, got ${page.url()}`);
    await page.getByRole('heading', { level: 1, name: `Reconnect ${HUBSPOT_LABEL}` }).waitFor();
    await signInAtSandbox(page, 'HubSpot');
    await submitAndWait(page, page.getByRole('button', { name: 'Approve', exact: true }));
    check(pathOf(page) === hubspotPath, `reconnecting landed on ${page.url()}`);
    await flash(page, 'success').waitFor();
    const again = await connectionStatus(page);
    check(again === 'Healthy', `status after reconnecting is "${again}"`);
  });

  await step('connections list shows both with their status', async () => {
    await clickAndWait(
      page,
      page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Connections', exact: true }),
    );
    const rows = connectionRows(page);
    check((await rows.count()) === 2, `${await rows.count()} connections listed, expected 2`);
    for (const label of [STRIPE_LABEL, HUBSPOT_LABEL]) {
      const row = rows.filter({ has: page.getByRole('link', { name: label, exact: true }) });
      check((await row.count()) === 1, `no single row for "${label}"`);
      const status = (await row.locator('.status').innerText()).trim();
      check(status === 'Healthy', `"${label}" is listed as "${status}"`);
    }
    await shot(page, 'connections.png');
  });

  await step('delete Stripe after confirming', async () => {
    await clickAndWait(page, page.getByRole('link', { name: STRIPE_LABEL, exact: true }));
    check(pathOf(page) === stripePath, `expected ${stripePath}, got ${page.url()}`);
    await clickAndWait(page, page.getByRole('link', { name: 'Delete…', exact: true }));
    check(pathOf(page) === `${stripePath}/delete`, `expected the delete page, got ${page.url()}`);
    await page.getByRole('heading', { level: 1, name: `Delete ${STRIPE_LABEL}?` }).waitFor();
    await page.getByText('Nothing uses this connection yet').waitFor();
    await shot(page, 'delete-confirm.png');
    // A data-confirm dialog, if the button has one, is accepted; Playwright would dismiss it.
    const accept = (d) => d.accept().catch(() => {});
    page.on('dialog', accept);
    try {
      await submitAndWait(page, page.getByRole('button', { name: 'Delete connection', exact: true }));
    } finally {
      page.off('dialog', accept);
    }
    check(pathOf(page) === '/connections', `expected /connections, got ${page.url()}`);
    await flash(page, 'success').filter({ hasText: 'deleted' }).waitFor();
    const rows = connectionRows(page);
    check((await rows.count()) === 1, `${await rows.count()} connections listed after deleting, expected 1`);
    await rows.getByRole('link', { name: HUBSPOT_LABEL, exact: true }).waitFor();
    const gone = await page.goto(url(stripePath));
    check(gone.status() === 404, `the deleted connection's page answered ${gone.status()}`);
  });

  await step('connect Stripe again for the recipes', async () => {
    await page.goto(url('/connections/new/stripe'));
    await page.getByRole('heading', { level: 1, name: 'Connect Stripe' }).waitFor();
    await page.fill('#cred-label', STRIPE_LABEL);
    await page.fill('#cred-api_key', STRIPE_KEY);
    await submitAndWait(page, page.getByRole('button', { name: 'Connect', exact: true }));
    check(onConnectionPage(page), `expected a connection page, got ${page.url()}`);
    check(pathOf(page) !== stripePath, 'the new Stripe connection took the deleted one’s address');
    stripePath = pathOf(page);
    await flash(page, 'success').filter({ hasText: `Connected ${STRIPE_LABEL}` }).waitFor();
    const status = await connectionStatus(page);
    check(status === 'Healthy', `Stripe status is "${status}"`);
    await page.goto(url('/connections'));
    const rows = connectionRows(page);
    check((await rows.count()) === 2, `${await rows.count()} connections listed, expected 2`);
    for (const label of [STRIPE_LABEL, HUBSPOT_LABEL]) {
      const row = rows.filter({ has: page.getByRole('link', { name: label, exact: true }) });
      const said = (await row.locator('.status').innerText()).trim();
      check(said === 'Healthy', `"${label}" is listed as "${said}"`);
    }
  });

  await step(`seed the sandbox: ${STRIPE_CUSTOMERS} Stripe customers, no HubSpot contacts`, async () => {
    await sandboxControl('/_sandbox/stripe/reset', { seed: 5, counts: { customers: STRIPE_CUSTOMERS } });
    await sandboxControl('/_sandbox/hubspot/reset', { seed: 5, counts: { contacts: 0 } });
    const customers = await sandboxRecords('stripe', 'customers');
    check(customers.total === STRIPE_CUSTOMERS, `the sandbox holds ${customers.total} Stripe customers`);
    const contacts = await sandboxRecords('hubspot', 'contacts');
    check(contacts.total === 0, `the sandbox holds ${contacts.total} HubSpot contacts after a reset to none`);
  });

  await step('new recipe: choose both ends by name, load the destination fields', async () => {
    await clickAndWait(
      page,
      page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Recipes', exact: true }),
    );
    await page.getByRole('heading', { name: 'No recipes yet' }).waitFor();
    await clickAndWait(page, newRecipeButton(page));
    check(pathOf(page) === '/recipes/new', `expected /recipes/new, got ${page.url()}`);
    await page.getByRole('heading', { level: 1, name: 'New recipe', exact: true }).waitFor();
    check((await page.locator('table.mapping').count()) === 0, 'mapping rows before any fields were loaded');

    await chooseRecipeEnds(page, RECIPE_NAME);
    const targets = await page
      .locator('table.mapping tbody.rule input[name$="-target"]')
      .evaluateAll((els) => els.map((e) => e.value));
    for (const target of ['email', 'firstname', 'lastname', 'phone']) {
      check(targets.includes(target), `no mapping row for ${target} among ${JSON.stringify(targets)}`);
    }
    const email = mappingRow(page, 'email');
    const matched = await email.locator('select.rule-field').inputValue();
    check(matched === 'email', `email is not matched to the source's email by name (it shows "${matched}")`);
    // hitch.js shows only the control that applies: a source field's select, not the text box.
    const box = email.locator('input.rule-text');
    check(await box.isHidden(), 'a source-field row shows the constant/template box');
    const keys = await page.locator('#upsert_key option').evaluateAll((els) => els.map((e) => e.value));
    check(keys.includes('email'), `the upsert keys offered are ${JSON.stringify(keys)}`);
    await shot(page, 'recipe-editor.png');
  });

  await step('map email and lastname, filter, preview: rows would be written, nothing is', async () => {
    const email = mappingRow(page, 'email');
    await email.locator('select.rule-kind').selectOption('field');
    await email.locator('select.rule-field').selectOption('email');
    await email.getByRole('checkbox', { name: 'lowercase', exact: true }).check();
    await mappingRow(page, 'lastname').locator('select.rule-field').selectOption('name');
    await page.selectOption('#upsert_key', 'email');
    await page.fill('#filter', 'email exists');
    await submitAndWait(page, page.getByRole('button', { name: 'Preview', exact: true }));
    check(pathOf(page) === '/recipes/new', `Preview left the editor: ${page.url()}`);
    check((await page.locator('.form-error[role="alert"]').count()) === 0, 'the preview reports problems');

    const preview = page.locator('section#preview');
    await preview.getByRole('heading', { level: 2, name: 'Preview — nothing was written' }).waitFor();
    const rows = preview.locator('table.data tbody tr');
    const total = await rows.count();
    check(total > 0, 'the preview shows no sample records');
    const writes = await rows.filter({ hasText: 'would write' }).count();
    check(writes > 0, `none of the ${total} preview rows would be written`);
    const mapped = await preview.locator('dl.kv').first().innerText();
    check(/email\s+"?[a-z0-9.+-]+@/.test(mapped), `the first preview row maps ${JSON.stringify(mapped)}`);
    check(/lastname/.test(mapped), `the first preview row has no lastname: ${JSON.stringify(mapped)}`);

    // The form is posted back as it was.
    check((await page.inputValue('#name')) === RECIPE_NAME, 'the preview lost the name');
    const emailFrom = await email.locator('select.rule-field').inputValue();
    check(emailFrom === 'email', `the preview changed email ← email to ← ${emailFrom}`);
    check(
      await email.getByRole('checkbox', { name: 'lowercase', exact: true }).isChecked(),
      'the preview lost the lowercase transform',
    );
    check(
      (await mappingRow(page, 'lastname').locator('select.rule-field').inputValue()) === 'name',
      'the preview lost lastname ← name',
    );
    check((await page.inputValue('#upsert_key')) === 'email', 'the preview lost the upsert key');
    check((await page.inputValue('#filter')).trim() === 'email exists', 'the preview lost the filter');
    await shot(page, 'recipe-preview.png');

    const contacts = await sandboxRecords('hubspot', 'contacts');
    check(contacts.total === 0, `the preview wrote ${contacts.total} HubSpot contacts`);
  });

  await step('save the recipe: its page with a success flash', async () => {
    await submitAndWait(page, page.getByRole('button', { name: 'Save recipe', exact: true }));
    const p = pathOf(page);
    check(/^\/recipes\/[^/]+$/.test(p) && p !== '/recipes/new', `saving landed on ${page.url()}`);
    recipePath = p;
    await flash(page, 'success').filter({ hasText: `Saved ${RECIPE_NAME}` }).waitFor();
    await page.getByRole('heading', { level: 1, name: RECIPE_NAME, exact: true }).waitFor();
    const flow = await page.locator('.page-head .flow').innerText();
    check(
      flow.includes(`${STRIPE_LABEL} · customers`) && flow.includes(`${HUBSPOT_LABEL} · contacts`),
      `the recipe reads "${flow}"`,
    );
    const mapping = page.getByRole('region', { name: 'Mapping', exact: true });
    for (const target of ['email', 'lastname']) {
      await mapping.getByRole('cell', { name: target, exact: true }).waitFor();
    }
    await page.getByRole('heading', { name: 'No runs yet' }).waitFor();
    await shot(page, 'recipe.png');
  });

  await step(
    'run now: the run page, reloaded until the run ends, shows its counts',
    async () => {
      await submitAndWait(page, page.getByRole('button', { name: 'Run now', exact: true }));
      check(/^\/runs\/[^/]+$/.test(pathOf(page)), `Run now landed on ${page.url()}`);
      runPath = pathOf(page);
      await flash(page, 'info').filter({ hasText: 'Run started' }).waitFor();
      await page.getByRole('heading', { level: 1, name: `Run of ${RECIPE_NAME}`, exact: true }).waitFor();
      const word = async () => (await page.locator('.connection-meta .status').innerText()).trim();
      const until = Date.now() + RUN_DEADLINE_MS;
      let status = await word();
      while (status === 'Running' || status === 'Pending' || status === 'Queued') {
        check(Date.now() < until, `the run still says "${status}" after ${RUN_DEADLINE_MS} ms`);
        await new Promise((resolve) => setTimeout(resolve, RUN_POLL_MS));
        await page.reload();
        status = await word();
      }
      const read = await runCount(page, 'Read');
      const counts = {};
      for (const label of ['Created', 'Updated', 'Unchanged', 'Skipped', 'Failed']) {
        counts[label] = await runCount(page, label);
      }
      const said = JSON.stringify({ status, read, ...counts });
      if (!status.startsWith('Succeeded')) {
        const why = (await page.locator('.callout').allInnerTexts()).join(' / ');
        check(false, `the run ended ${said}: ${why}`);
      }
      check(status === (counts.Failed > 0 ? 'Succeeded with errors' : 'Succeeded'), `the run ended ${said}`);
      check(read === STRIPE_CUSTOMERS, `the run read ${read} of ${STRIPE_CUSTOMERS} customers: ${said}`);
      check(counts.Created > 0, `the run created nothing: ${said}`);
      const handled = counts.Created + counts.Updated + counts.Unchanged + counts.Skipped + counts.Failed;
      check(handled === read, `the counts don't add up to what was read: ${said}`);
      const log = page.getByRole('region', { name: 'Log', exact: true }).locator('tbody tr');
      check((await log.count()) > 0, 'the run page shows no log lines');
      runCounts = { read, ...counts };
      await shot(page, 'run.png');

      const contacts = await sandboxRecords('hubspot', 'contacts');
      check(contacts.total === counts.Created, `the sandbox holds ${contacts.total} contacts for ${said}`);
      const emails = contacts.results.map((c) => c.properties?.email).filter(Boolean);
      check(emails.length > 0, 'the contacts written have no email');
      check(emails.every((e) => e === e.toLowerCase()), `an email was not lowercased: ${emails.join(', ')}`);
    },
    RUN_DEADLINE_MS + 10_000,
  );

  await step('runs list, record errors and the overview checklist know the run', async () => {
    const nav = page.getByRole('navigation', { name: 'Main' });
    await clickAndWait(page, nav.getByRole('link', { name: 'Runs', exact: true }));
    const runs = page.getByRole('region', { name: 'Runs', exact: true }).locator('tbody tr');
    check((await runs.count()) === 1, `the runs list shows ${await runs.count()} runs, expected 1`);
    await runs.getByRole('link', { name: RECIPE_NAME, exact: true }).waitFor();
    const href = await runs.getAttribute('data-href');
    check(href === runPath, `the run's row opens ${href}, expected ${runPath}`);
    await shot(page, 'runs.png');

    await clickAndWait(page, nav.getByRole('link', { name: 'Errors', exact: true }));
    await page.getByRole('heading', { level: 1, name: 'Record errors', exact: true }).waitFor();
    if (runCounts.Failed > 0) {
      const rows = page.getByRole('region', { name: 'Record errors', exact: true }).locator('tbody tr');
      const listed = await rows.count();
      check(listed === runCounts.Failed, `${listed} record errors for ${runCounts.Failed} failed records`);
    } else {
      await page.getByRole('heading', { name: 'No record errors' }).waitFor();
    }
    await shot(page, 'errors.png');

    await page.goto(url('/overview'));
    const item = page.locator('.checklist .check-item').filter({ hasText: 'Create a sync recipe' });
    check((await item.count()) === 1, 'the checklist has no single "Create a sync recipe" item');
    check(
      ((await item.getAttribute('class')) || '').includes('check-item--done'),
      '"Create a sync recipe" is not marked done',
    );
    await item.locator('.tag--done', { hasText: 'Done' }).waitFor();
  });

  await step('a name mapped into a number: the preview names the problem per record', async () => {
    await page.goto(url('/recipes'));
    await clickAndWait(page, newRecipeButton(page));
    check(pathOf(page) === '/recipes/new', `expected /recipes/new, got ${page.url()}`);
    await chooseRecipeEnds(page, BROKEN_RECIPE_NAME);
    const email = mappingRow(page, 'email');
    await email.locator('select.rule-field').selectOption('name');
    await email.getByRole('checkbox', { name: 'number', exact: true }).check();
    await page.selectOption('#upsert_key', 'email');
    await submitAndWait(page, page.getByRole('button', { name: 'Preview', exact: true }));
    check(pathOf(page) === '/recipes/new', `Preview left the editor: ${page.url()}`);
    const preview = page.locator('section#preview');
    await preview.getByRole('heading', { level: 2, name: 'Preview — nothing was written' }).waitFor();
    const rows = preview.locator('table.data tbody tr');
    const total = await rows.count();
    const failing = rows.filter({ hasText: 'is not a number' });
    const bad = await failing.count();
    check(total > 0 && bad > 0, `${bad} of ${total} preview rows say "is not a number"`);
    check(
      (await preview.locator('tr.preview-row--err').count()) >= bad,
      'rows that would not be written are not marked as errors',
    );
    const writes = await rows.filter({ hasText: 'would write' }).count();
    check(writes === 0, `${writes} records with a name in a number field would be written`);
    const summary = await preview.locator('p.muted').first().innerText();
    check(/would not/.test(summary), `the preview summary says "${summary}"`);
    await shot(page, 'recipe-preview-errors.png');

    const contacts = await sandboxRecords('hubspot', 'contacts');
    check(contacts.total === runCounts.Created, `the preview changed the contacts: ${contacts.total}`);
    await page.goto(url('/recipes'));
    const listed = page.getByRole('region', { name: 'Recipes', exact: true }).locator('tbody tr');
    check((await listed.count()) === 1, `${await listed.count()} recipes listed after a preview, expected 1`);
  });

  await step('members: invite a viewer', async () => {
    if (pathOf(page) !== '/settings') await page.goto(url('/settings'));
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

  await step('viewer: connections are read-only', async () => {
    await clickAndWait(
      page,
      page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Connections', exact: true }),
    );
    const rows = connectionRows(page);
    check((await rows.count()) === 2, `the viewer sees ${await rows.count()} connections, expected 2`);
    for (const label of [STRIPE_LABEL, HUBSPOT_LABEL]) {
      await rows.getByRole('link', { name: label, exact: true }).waitFor();
    }
    check(
      (await page.getByRole('link', { name: 'Add connection' }).count()) === 0,
      'the viewer sees "Add connection"',
    );
    await shot(page, 'viewer-connections.png');
    const res = await page.goto(url('/connections/new'));
    check(res.status() === 403, `/connections/new answered the viewer ${res.status()}, expected 403`);
    await page.getByRole('heading', { level: 1, name: 'Not allowed' }).waitFor();
  });

  await step('viewer: recipes are read-only', async () => {
    // The previous step ended on a 403 page, which has no sidebar.
    await page.goto(url('/recipes'));
    const rows = page.getByRole('region', { name: 'Recipes', exact: true }).locator('tbody tr');
    check((await rows.count()) === 1, `the viewer sees ${await rows.count()} recipes, expected 1`);
    await rows.getByRole('link', { name: RECIPE_NAME, exact: true }).waitFor();
    const add = await page.getByRole('link', { name: 'New recipe' }).count();
    check(add === 0, 'the viewer sees "New recipe"');
    await shot(page, 'viewer-recipes.png');

    await clickAndWait(page, rows.getByRole('link', { name: RECIPE_NAME, exact: true }));
    check(pathOf(page) === recipePath, `expected ${recipePath}, got ${page.url()}`);
    for (const name of ['Run now', 'Delete…']) {
      check((await page.getByRole('button', { name }).count()) === 0, `the viewer sees "${name}"`);
    }
    const edit = await page.getByRole('link', { name: 'Edit', exact: true }).count();
    check(edit === 0, 'the viewer sees "Edit"');
    const res = await page.goto(url(`${recipePath}/edit`));
    check(res.status() === 403, `${recipePath}/edit answered the viewer ${res.status()}, expected 403`);
    await page.getByRole('heading', { level: 1, name: 'Not allowed' }).waitFor();
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
