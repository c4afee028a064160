// The web console as a person uses it, in headless Chromium (playwright-core driving
// Debian's /usr/bin/chromium). Run it through scripts/web-console-test.sh.
//
//   --url http://127.0.0.1:PORT   the local runtime (the console is at /console/)
//   --username U --account ID     the demo user and their account (stack.json's
//                                 demoUser); the password from WEB_CONSOLE_PASSWORD
//   --screenshot PATH             where the screenshot goes (docs/web-console.png)
//   --timeout-ms T                per wait (default 60000)
//   --phases fallback,live        which checks to run (default both)
//
// fallback: the live channel is refused (the page's WebSocket is closed by the
//   browser), so a deposit must settle on the page by reading the API (polling);
// live: with the channel up ("Live"), a deposit must move the balance shown and
//   flip its row to COMPLETED without a reload, *told by the channel* (the page
//   records that as data-updated-by / data-settled-by = "live"); then a withdrawal
//   larger than the balance must show "Rejected: insufficient funds", also live.
// Exit 0 when every check held; 1 with a one-line reason (and the page's state) on
// stderr otherwise. Prints one JSON summary line on stdout.
import { createRequire } from 'node:module';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const require = createRequire(join(resolve(process.env.WEB_CONSOLE_TEST_MODULES ?? '.'), 'noop.js'));
const { chromium } = require('playwright-core');

const flags = {};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  if (!argv[i].startsWith('--') || argv[i + 1] === undefined) exitWith(`usage: expected --flag value pairs (at ${argv[i]})`);
  flags[argv[i].slice(2)] = argv[i + 1];
}
const password = process.env.WEB_CONSOLE_PASSWORD;
if (!flags.url || !flags.username || !flags.account || !password) {
  exitWith('usage: --url URL --username U --account ID [--screenshot PATH] (password in WEB_CONSOLE_PASSWORD)');
}
const timeout = Number(flags['timeout-ms'] ?? 60000);
const phases = (flags.phases ?? 'fallback,live').split(',');
const consoleUrl = `${flags.url.replace(/\/+$/, '')}/console/`;
const summary = { consoleUrl };

/** A check that did not hold: reported once, after the browser is closed. */
class Failure extends Error {}
function fail(message) {
  throw new Failure(message);
}
function exitWith(message) {
  process.stderr.write(`web-console-test: FAILED: ${message}\n`);
  process.exit(1);
}

/** "125.50" + "25.50" exactly, in cents. */
function addMoney(a, b) {
  const cents = (text) => {
    const m = /^(-?)(\d+)\.(\d{2})$/.exec(text);
    if (!m) fail(`not a money string: ${JSON.stringify(text)}`);
    return (m[1] ? -1n : 1n) * (BigInt(m[2]) * 100n + BigInt(m[3]));
  };
  const total = cents(a) + cents(b);
  const sign = total < 0n ? '-' : '';
  const abs = total < 0n ? -total : total;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}

/** What the page shows now, for failure messages. */
async function pageState(page, transactionId) {
  return page.evaluate(({ account, transactionId }) => {
    const balance = document.querySelector(`li[data-account-id="${account}"] [data-role="balance"]`);
    const row = transactionId ? document.querySelector(`tr[data-transaction-id="${transactionId}"]`) : null;
    const pill = document.getElementById('live-status');
    const outcome = document.getElementById('tx-status');
    return {
      live: pill && { state: pill.dataset.state, text: pill.textContent, why: pill.title },
      balance: balance && { value: balance.dataset.balance, updatedBy: balance.dataset.updatedBy },
      row: row && { status: row.dataset.status, settledBy: row.dataset.settledBy ?? null },
      outcome: outcome && !outcome.hidden ? outcome.textContent : null,
      activity: [...document.querySelectorAll('#activity li')].slice(0, 4).map((li) => li.textContent),
      signInError: document.getElementById('sign-in-error')?.textContent || null,
    };
  }, { account: flags.account, transactionId }).catch((e) => ({ unreadable: String(e) }));
}

/** Waits for `predicate(arg)` in the page, or fails saying `what` and the page's state. */
async function waitFor(page, what, predicate, arg, transactionId) {
  try {
    await page.waitForFunction(predicate, arg, { timeout, polling: 100 });
  } catch (err) {
    const state = await pageState(page, transactionId);
    fail(`${what} (waited ${timeout} ms): ${JSON.stringify(state)}${err.name === 'TimeoutError' ? '' : ` — ${err.message}`}`);
  }
}

async function signIn(page, { wrongPasswordFirst = false } = {}) {
  await page.goto(consoleUrl, { waitUntil: 'load', timeout });
  if (wrongPasswordFirst) {
    await page.fill('#username', flags.username, { timeout });
    await page.fill('#password', `${password}-wrong`);
    await page.click('#sign-in-button');
    await waitFor(page, 'a wrong password was not refused with a clear message',
      () => document.getElementById('sign-in-error')?.textContent === 'Incorrect email or password.');
  }
  await page.fill('#username', flags.username, { timeout });
  await page.fill('#password', password);
  await page.click('#sign-in-button');
  await waitFor(page, 'the signed-in page never listed the demo account with a balance',
    (account) => document.querySelector(`li[data-account-id="${account}"] [data-role="balance"]`)?.dataset.balance,
    flags.account);
  // A marker that a reload or navigation would wipe out.
  await page.evaluate(() => { window.__sameDocument = 'yes'; });
}

function balanceShown(page) {
  return page.$eval(`li[data-account-id="${flags.account}"] [data-role="balance"]`, (el) => el.dataset.balance);
}

/**
 * Submits the form; returns the new transaction's id (from the outcome box), or with
 * `expect: 'refused'` the refusal shown.
 */
async function send(page, type, amount, previousId, { toAccountId, expect } = {}) {
  await page.click(`label[for="type-${type.toLowerCase()}"]`); // the visible segment
  if (!(await page.isChecked(`input[name="type"][value="${type}"]`))) fail(`the ${type} choice did not stick`);
  await page.selectOption('#tx-account', flags.account);
  if (toAccountId) await page.fill('#tx-to', toAccountId);
  await page.fill('#tx-amount', amount);
  await page.fill('#tx-description', `web console test: ${type.toLowerCase()}`);
  await page.click('#tx-submit');
  if (expect === 'refused') {
    await waitFor(page, `the ${type} was not refused`,
      () => document.getElementById('tx-status')?.dataset.state === 'refused');
    return page.$eval('#tx-status', (el) => el.textContent);
  }
  await waitFor(page, `the ${type} was not recorded`,
    (previous) => {
      const box = document.getElementById('tx-status');
      return box && !box.hidden && box.dataset.transactionId && box.dataset.transactionId !== previous;
    }, previousId ?? '');
  return page.$eval('#tx-status', (el) => el.dataset.transactionId);
}

async function expectSettled(page, id, { status, balance, via }) {
  await waitFor(page, `the ${status} transaction ${id} and balance ${balance} never showed on the page`,
    ({ id, status, balance, account }) => {
      const row = document.querySelector(`tr[data-transaction-id="${id}"]`);
      const shown = document.querySelector(`li[data-account-id="${account}"] [data-role="balance"]`);
      return row?.dataset.status === status && shown?.dataset.balance === balance;
    }, { id, status, balance, account: flags.account }, id);
  const state = await pageState(page, id);
  if (state.row.settledBy !== via) {
    fail(`transaction ${id} settled on the page by "${state.row.settledBy}", not by "${via}": ${JSON.stringify(state)}`);
  }
  if (status === 'COMPLETED' && state.balance.updatedBy !== via) {
    fail(`the balance ${balance} was shown from "${state.balance.updatedBy}", not from "${via}": ${JSON.stringify(state)}`);
  }
  if (await page.evaluate(() => window.__sameDocument) !== 'yes') fail('the page was reloaded or navigated away');
  return state;
}

async function fallbackPhase(context) {
  const page = await context.newPage();
  watchErrors(page, 'fallback');
  // The live channel is unavailable: every WebSocket to it is closed at once.
  await page.routeWebSocket(/\/event\/realtime/, (ws) => ws.close({ code: 1011, reason: 'test: channel down' }));
  await signIn(page, { wrongPasswordFirst: true });
  // A request the API refuses (400) shows its code and message.
  const refused = await send(page, 'TRANSFER', '1.00', '', { toAccountId: 'not-an-account', expect: 'refused' });
  if (!/^Refused \(VALIDATION_ERROR\)\s*\S/.test(refused)) fail(`the API's refusal was not shown clearly: ${refused}`);
  const before = await balanceShown(page);
  const id = await send(page, 'DEPOSIT', '10.00');
  const after = addMoney(before, '10.00');
  await expectSettled(page, id, { status: 'COMPLETED', balance: after, via: 'poll' });
  const pill = await page.$eval('#live-status', (el) => el.dataset.state);
  if (pill === 'live') fail('the live status said "Live" while the channel was refused');
  summary.fallback = { refused, before, after, transactionId: id, liveStatus: pill };
  await page.close();
}

async function livePhase(context) {
  const page = await context.newPage();
  watchErrors(page, 'live');
  await signIn(page);
  await waitFor(page, 'the live channel never connected (the status should say "Live")',
    () => document.getElementById('live-status')?.dataset.state === 'live');
  const before = await balanceShown(page);
  const deposit = await send(page, 'DEPOSIT', '25.50');
  const after = addMoney(before, '25.50');
  await expectSettled(page, deposit, { status: 'COMPLETED', balance: after, via: 'live' });

  const tooMuch = addMoney(after, '1000.00');
  const withdrawal = await send(page, 'WITHDRAWAL', tooMuch, deposit);
  await waitFor(page, 'the overdraft was never shown as "Rejected: insufficient funds"',
    (id) => {
      const box = document.getElementById('tx-status');
      return box.dataset.transactionId === id && box.dataset.state === 'rejected'
        && box.textContent.includes('Rejected: insufficient funds');
    }, withdrawal, withdrawal);
  await expectSettled(page, withdrawal, { status: 'REJECTED', balance: after, via: 'live' });
  const outcome = await page.$eval('#tx-status', (el) => el.textContent);
  if (!(await page.isVisible('#tx-status'))) fail('the rejection message is not visible');
  summary.live = { before, after, deposit, withdrawal, rejection: outcome };

  if (flags.screenshot) {
    await page.mouse.move(0, 0); // no hover effects in the picture
    await page.waitForTimeout(1800); // let the highlight animations end
    mkdirSync(dirname(resolve(flags.screenshot)), { recursive: true });
    await page.screenshot({ path: flags.screenshot, fullPage: true });
    summary.screenshot = flags.screenshot;
  }
  await page.close();
}

const pageErrors = [];
function watchErrors(page, phase) {
  page.on('pageerror', (e) => pageErrors.push(`${phase}: ${e.message}`));
}

const profile = mkdtempSync(join(tmpdir(), 'web-console-chromium-'));
let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    // This machine's closed network refuses Chromium's own background connections.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 860 },
    deviceScaleFactor: 1,
    locale: 'en-US',
    timezoneId: 'UTC',
    timeout,
  });
} catch (err) {
  rmSync(profile, { recursive: true, force: true });
  exitWith(`Chromium did not start: ${err.message.split('\n')[0]}`);
}
let failure = null;
try {
  if (phases.includes('fallback')) await fallbackPhase(context);
  if (phases.includes('live')) await livePhase(context);
  if (pageErrors.length) fail(`the page threw: ${pageErrors.join(' | ')}`);
} catch (err) {
  const message = err instanceof Failure ? err.message : `${err.message.split('\n')[0]}`;
  failure = `${message}${pageErrors.length && !message.includes('the page threw') ? ` (page errors: ${pageErrors.join(' | ')})` : ''}`;
} finally {
  await context.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
}
if (failure) exitWith(failure);
process.stdout.write(`${JSON.stringify({ ok: true, ...summary })}\n`);
