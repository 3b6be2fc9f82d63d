// The tutorial app's Swagger UI, driven in headless Chromium (Debian's /usr/bin/chromium)
// as a person would use it: open /docs, open Authorize, log in as johndoe with only the
// `me` scope, then "Try it out" → "Execute" on GET /users/me/ (200) and on
// GET /users/me/items/ (403: the token lacks `items`).
//
// Run by tests/browser/run, which starts the app and sets:
//   BASE_URL            the app, e.g. http://127.0.0.1:40123
//   FAILURE_SCREENSHOT  where to save a screenshot of the page if a step fails (optional)
//
// Each step asserts on what the page shows, and on the HTTP exchange behind it; the first
// failing step ends the run with exit code 1 and says which step failed and why.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const BASE_URL = process.env.BASE_URL;
if (!BASE_URL) {
  console.error('BASE_URL is not set (tests/browser/run sets it)');
  process.exit(2);
}
const FAILURE_SCREENSHOT = process.env.FAILURE_SCREENSHOT;
const STEP_TIMEOUT_MS = 15_000;
const OVERALL_TIMEOUT_MS = 100_000;

// The whole run is bounded, whatever hangs.
setTimeout(() => {
  console.error(`FAIL: the browser test did not finish within ${OVERALL_TIMEOUT_MS / 1000} s`);
  process.exit(1);
}, OVERALL_TIMEOUT_MS).unref();

const userDataDir = mkdtempSync(join(tmpdir(), 'scopes-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
  viewport: { width: 1280, height: 1000 },
  timeout: STEP_TIMEOUT_MS,
});
context.setDefaultTimeout(STEP_TIMEOUT_MS);
const page = context.pages()[0] ?? (await context.newPage());

// Only the app on loopback: anything else is refused (this machine has no other network).
const base = new URL(BASE_URL);
await context.route('**/*', (route) =>
  new URL(route.request().url()).host === base.host ? route.fallback() : route.abort());

// Uncaught errors in the page are failures of Swagger UI or of the document it renders.
const pageErrors = [];
page.on('pageerror', (error) => pageErrors.push(error.message));

let failed = false;
async function step(name, body) {
  if (failed) return;
  try {
    await body();
    console.log(`ok - ${name}`);
  } catch (error) {
    failed = true;
    console.error(`FAIL - ${name}\n${error.stack ?? error}`);
    if (FAILURE_SCREENSHOT) {
      await page.screenshot({ path: FAILURE_SCREENSHOT, fullPage: true, timeout: 5_000 })
        .then(() => console.error(`screenshot of the page: ${FAILURE_SCREENSHOT}`))
        .catch((e) => console.error(`no screenshot: ${e.message}`));
    }
  }
}

/** The first response to a `method` request (to `path`, if given) while `action` runs. */
async function exchange(method, path, action) {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === method
      && (path === undefined || new URL(r.url()).pathname === path)),
    action(),
  ]);
  return { request: response.request(), response, body: await response.text() };
}

/** What the Authorize dialog's scope list shows: [{ name, description, checked }]. */
async function scopeList(modal) {
  return modal.locator('.scopes .checkbox').evaluateAll((boxes) => boxes.map((box) => ({
    name: box.querySelector('.name')?.textContent.trim(),
    description: box.querySelector('.description')?.textContent.trim(),
    checked: box.querySelector('input[type=checkbox]').checked,
  })));
}

const modal = page.locator('.modal-ux');

/** The errors the Authorize dialog shows (Swagger UI renders them just after the response). */
async function dialogErrors() {
  const errors = modal.locator('.auth-container .errors');
  await errors.first().waitFor({ timeout: 2_000 }).catch(() => {});
  // Each error is a <b> heading ("auth error") and a <span> message.
  return errors.evaluateAll((nodes) => nodes.map((node) =>
    [...node.children].map((part) => part.textContent.trim()).join(': ')));
}
let accessToken;

await step('GET /docs shows Swagger UI with the tutorial\'s document', async () => {
  const response = await page.goto(`${BASE_URL}/docs`);
  assert.equal(response.status(), 200, `GET /docs (after redirects) answered ${response.status()}`);
  await page.locator('.information-container .title').waitFor();
  const title = await page.locator('.information-container .title').innerText();
  assert.ok(title.startsWith("FastAPI's OAuth2 scopes tutorial, in Rust"), `page title is ${JSON.stringify(title)}`);
});

await step('Authorize opens a dialog offering the password flow with `me` and `items`', async () => {
  await page.locator('.auth-wrapper .btn.authorize').click();
  await modal.waitFor();
  const scheme = modal.locator('.auth-container h4');
  assert.equal((await scheme.innerText()).trim(), 'OAuth2PasswordBearer (OAuth2, password)');
  // The scopes with their descriptions, none checked yet (sorted by name: the order on the page
  // is the document's, which is not what this test is about).
  const shown = (await scopeList(modal)).sort((a, b) => a.name.localeCompare(b.name));
  assert.deepEqual(shown, [
    { name: 'items', description: 'Read items.', checked: false },
    { name: 'me', description: 'Read information about the current user.', checked: false },
  ]);
});

await step('log in as johndoe with only `me` checked: Swagger UI says "Authorized"', async () => {
  await modal.locator('#oauth_username').fill('johndoe');
  await modal.locator('#oauth_password').fill('secret');
  // The checkbox itself is hidden by Swagger UI's style; its label is what one clicks.
  await modal.locator('.scopes .checkbox', { has: page.locator('.name', { hasText: /^me$/ }) })
    .locator('label').click();
  assert.deepEqual((await scopeList(modal)).map((s) => [s.name, s.checked]).sort(),
    [['items', false], ['me', true]], 'only `me` should be checked');

  // Swagger UI posts the password grant to the scheme's tokenUrl, `token`, which must
  // resolve to the app's /token.
  const token = await exchange('POST', undefined, () =>
    modal.locator('.auth-btn-wrapper .btn.modal-btn.auth.authorize').click());
  const tokenUrl = new URL(token.request.url());
  assert.equal(tokenUrl.pathname, '/token',
    `Swagger UI posted the login form to ${tokenUrl.pathname}, not /token; that answered `
    + `${token.response.status()} ${JSON.stringify(token.body)}, and the dialog shows `
    + `${JSON.stringify(await dialogErrors())}`);
  const form = Object.fromEntries(new URLSearchParams(token.request.postData() ?? ''));
  assert.deepEqual(
    { grant_type: form.grant_type, username: form.username, password: form.password, scope: form.scope },
    { grant_type: 'password', username: 'johndoe', password: 'secret', scope: 'me' },
    'the form Swagger UI posted to /token');
  assert.equal(token.response.status(), 200, `POST /token answered ${token.response.status()}: ${token.body}`);
  const granted = JSON.parse(token.body);
  assert.equal(granted.token_type, 'bearer');
  assert.equal(granted.scope, 'me', 'the granted scope');
  accessToken = granted.access_token;

  // The dialog now shows the scheme as authorized, with a Logout button and no error.
  await modal.locator('.auth-container h6', { hasText: 'Authorized' }).waitFor();
  assert.equal(await modal.locator('.auth-container .errors').count(), 0,
    `the dialog shows an error: ${JSON.stringify(await dialogErrors())}`);
  assert.equal((await modal.locator('.auth-btn-wrapper .btn.modal-btn.auth.authorize').innerText()).trim(), 'Logout');
  await modal.locator('.auth-btn-wrapper .btn-done').click();
  await modal.waitFor({ state: 'detached' });
});

/** Try it out → Execute on one operation; returns what the page and the network show. */
async function tryItOut(operationId, path) {
  const operation = page.locator(`.opblock[id^="operations-"][id$="-${operationId}"]`);
  assert.equal(await operation.count(), 1, `operation ${operationId} should be on the page once`);
  assert.equal((await operation.locator('.opblock-summary-path').innerText()).trim(), path);
  await operation.locator('.opblock-summary').click();
  // The padlock of an operation whose scheme is authorized shows "locked".
  assert.equal(await operation.locator('.authorization__btn').getAttribute('aria-label'),
    'authorization button locked');
  await operation.locator('.try-out__btn').click();
  const call = await exchange('GET', path, () => operation.locator('.execute').click());
  const row = operation.locator('.live-responses-table .response');
  await row.waitFor();
  assert.equal(await row.count(), 1);
  return {
    ...call,
    shownStatus: (await row.locator('.response-col_status').innerText()).trim(),
    shownBody: (await row.locator('.response-col_description .highlight-code pre').innerText()).trim(),
  };
}

await step('GET /users/me/ (needs `me`): Swagger UI shows 200 and johndoe', async () => {
  const call = await tryItOut('read_users_me', '/users/me/');
  assert.equal(call.request.headers().authorization, `Bearer ${accessToken}`, 'the Authorization header sent');
  assert.equal(call.response.status(), 200, `the app answered ${call.response.status()}: ${call.body}`);
  assert.equal(call.shownStatus, '200', 'the status code Swagger UI shows');
  assert.deepEqual(JSON.parse(call.shownBody), {
    username: 'johndoe', email: 'johndoe@example.com', full_name: 'John Doe', disabled: false,
  }, 'the response body Swagger UI shows');
});

await step('GET /users/me/items/ (needs `items` and `me`): Swagger UI shows 403', async () => {
  const call = await tryItOut('read_own_items', '/users/me/items/');
  assert.equal(call.request.headers().authorization, `Bearer ${accessToken}`, 'the Authorization header sent');
  assert.equal(call.response.status(), 403, `the app answered ${call.response.status()}: ${call.body}`);
  assert.equal(call.response.headers()['www-authenticate'],
    'Bearer error="insufficient_scope", scope="items me"', 'the RFC 6750 challenge');
  assert.equal(call.shownStatus, '403', 'the status code Swagger UI shows');
  assert.deepEqual(JSON.parse(call.shownBody), { detail: 'Not enough permissions' },
    'the response body Swagger UI shows');
});

await step('no uncaught error in the page', async () => {
  assert.deepEqual(pageErrors, []);
});

await context.close();
rmSync(userDataDir, { recursive: true, force: true });
if (failed) process.exit(1);
console.log('browser test passed');
