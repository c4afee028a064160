// The web console: sign in, see your accounts and recent transactions, send a
// deposit, withdrawal or transfer, and watch it settle live from your AppSync Events
// channel (/users/<sub>), falling back to polling the transaction when the channel
// is not there. Plain ES modules, no build step; configuration from config.json.
//
// What told the page is recorded on the page: a balance's `data-updated-by` and a
// row's `data-settled-by` are `live` (the channel) or `poll` (a read of the API).

import { Api, ApiError, NetworkError, newKey } from './api.js';
import { LiveChannel } from './live.js';
import { applyBalance, hooks, onLiveEvent, schedulePoll, watch } from './settle.js';
import { $, activity, findRow, messageOf, reset, s } from './state.js';
import * as view from './view.js';

const AMOUNT = /^(?:\d{1,10})(?:\.\d{1,2})?$/;
const LIVE_TEXT = {
  connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…',
  unavailable: 'Live updates off', off: 'Offline',
};

async function boot() {
  try {
    const answer = await fetch('config.json', { cache: 'no-store' });
    s.config = await answer.json();
    if (!s.config?.apiUrl) throw new Error('no apiUrl');
  } catch {
    const error = $('boot-error');
    error.textContent = 'The console could not read its configuration (config.json). Is the local runtime running?';
    error.hidden = false;
    return;
  }
  const live = s.config.eventsRealtimeUrl ? `live events ${s.config.eventsRealtimeUrl}` : 'no live events endpoint';
  $('footer').textContent = `API ${s.config.apiUrl} · ${live} · region ${s.config.region ?? '?'}`;
  $('sign-in-form').addEventListener('submit', signIn);
  $('sign-out').addEventListener('click', () => endSession());
  $('transaction-form').addEventListener('submit', submit);
  $('transaction-form').addEventListener('change', formChanged);
  $('reload-history').addEventListener('click', () => loadHistory());
  $('open-account').addEventListener('click', openAccount);
  window.addEventListener('online', () => s.live?.nudge());
  $('sign-in').hidden = false;
  $('username').focus();
}

async function signIn(event) {
  event.preventDefault();
  const username = $('username').value.trim();
  const password = $('password').value;
  const error = $('sign-in-error');
  error.hidden = true;
  if (!username || !password) {
    error.textContent = 'Enter your email and password.';
    error.hidden = false;
    return;
  }
  const button = $('sign-in-button');
  button.disabled = true;
  button.textContent = 'Signing in…';
  s.api = new Api(s.config.apiUrl);
  s.api.onSignedOut = () => endSession('Your session has ended. Please sign in again.');
  try {
    s.claims = await s.api.login(username, password);
    $('password').value = '';
    await startSession();
  } catch (err) {
    error.textContent = err instanceof ApiError && err.status === 401
      ? 'Incorrect email or password.' : messageOf(err);
    error.hidden = false;
  } finally {
    button.disabled = false;
    button.textContent = 'Sign in';
  }
}

async function startSession() {
  $('sign-in').hidden = true;
  $('console').hidden = false;
  $('session').hidden = false;
  $('who').textContent = s.claims.email ?? s.claims['cognito:username'] ?? '';
  scheduleRefresh();
  startLive();
  await loadAccounts();
}

function endSession(message) {
  clearTimeout(s.refreshTimer);
  clearTimeout(s.historyTimer);
  s.live?.stop();
  s.live = null;
  s.api?.signOut();
  reset();
  $('console').hidden = true;
  $('session').hidden = true;
  $('sign-in').hidden = false;
  $('tx-status').hidden = true;
  $('activity').replaceChildren();
  $('activity-empty').hidden = false;
  const error = $('sign-in-error');
  error.textContent = message ?? '';
  error.hidden = !message;
}

function scheduleRefresh() {
  clearTimeout(s.refreshTimer);
  const inSeconds = Math.max(30, s.api.secondsLeft - 120);
  s.refreshTimer = setTimeout(async () => {
    if (await s.api.refresh()) scheduleRefresh();
    else endSession('Your session has ended. Please sign in again.');
  }, inSeconds * 1000);
}

// ---------------------------------------------------------------- live channel

function startLive() {
  if (!s.config.eventsRealtimeUrl || !s.claims.sub) {
    setLive({ state: 'unavailable', reason: 'no live events endpoint is configured' });
    return;
  }
  s.live = new LiveChannel({
    realtimeUrl: s.config.eventsRealtimeUrl,
    httpUrl: s.config.eventsHttpUrl,
    channel: `/users/${s.claims.sub}`,
    token: () => s.api?.idToken ?? null,
    newId: newKey,
  });
  s.live.addEventListener('state', (e) => setLive(e.detail));
  s.live.addEventListener('event', (e) => onLiveEvent(e.detail));
  s.live.start();
}

function setLive({ state, reason, retryInMs }) {
  const pill = $('live-status');
  const was = pill.dataset.state;
  pill.dataset.state = state;
  pill.textContent = LIVE_TEXT[state] ?? state;
  pill.title = reason ? `${reason}${retryInMs ? ` (retrying in ${Math.ceil(retryInMs / 1000)} s)` : ''}` : 'Settlements appear as they happen';
  if (state !== 'live') {
    // Without the channel, anything still pending is read from the API instead.
    for (const id of s.watching.keys()) schedulePoll(id, 0);
  } else if (was === 'reconnecting') {
    // Events published while disconnected are not replayed: catch up by reading.
    for (const id of s.watching.keys()) schedulePoll(id, 0);
    loadAccounts();
  }
}

// ---------------------------------------------------------------- accounts and history

async function loadAccounts() {
  let answer;
  try {
    answer = await s.api.accounts();
  } catch (err) {
    if (s.api?.signedIn) activity(`Could not load your accounts: ${messageOf(err)}`, 'error', 'page');
    return;
  }
  const items = answer?.items ?? [];
  for (const account of items) {
    const known = s.accounts.get(account.accountId);
    if (known) applyBalance({ accountId: account.accountId, balance: account.balance, at: account.updatedAt }, 'poll');
    else s.accounts.set(account.accountId, { ...account });
  }
  if (!s.selected || !s.accounts.has(s.selected)) s.selected = items[0]?.accountId ?? null;
  renderAccounts();
  await loadHistory();
}

function renderAccounts() {
  const list = [...s.accounts.values()];
  $('accounts').replaceChildren(...list.map((account) => {
    const item = view.accountItem(account, account.accountId === s.selected);
    item.querySelector('button').addEventListener('click', () => select(account.accountId));
    return item;
  }));
  const options = list.filter((a) => a.status === 'OPEN').map((a) => {
    const option = new Option(`${a.name} · ${a.accountId.slice(0, 8)}`, a.accountId);
    option.selected = a.accountId === s.selected;
    return option;
  });
  $('tx-account').replaceChildren(...options);
  $('own-accounts').replaceChildren(...list.map((a) => new Option(a.name, a.accountId)));
  formChanged();
}

function select(id) {
  s.selected = id;
  for (const item of $('accounts').children) {
    item.querySelector('button').setAttribute('aria-pressed', String(item.dataset.accountId === id));
  }
  if ([...$('tx-account').options].some((o) => o.value === id)) $('tx-account').value = id;
  formChanged();
  loadHistory();
}

async function loadHistory() {
  const id = s.selected;
  const account = s.accounts.get(id);
  $('history-of').textContent = account ? `· ${account.name}` : '';
  if (!id) return;
  let answer;
  try {
    answer = await s.api.history(id);
  } catch (err) {
    activity(`Could not load the history: ${messageOf(err)}`, 'error', 'page');
    return;
  }
  if (id !== s.selected) return; // another account was chosen meanwhile
  const entries = answer?.items ?? [];
  for (const entry of entries) {
    if (!entry.transactionId) continue;
    s.known.set(entry.transactionId, entry);
    if (entry.status !== 'PENDING') s.settled.add(entry.transactionId); // a late event changes no row
    else if (!s.settled.has(entry.transactionId)) watch(entry.transactionId);
  }
  $('history-rows').replaceChildren(...entries.map((entry) => view.historyRow(entry, id)));
  $('history-empty').hidden = entries.length > 0;
}

function scheduleHistoryReload() {
  clearTimeout(s.historyTimer);
  s.historyTimer = setTimeout(loadHistory, 300);
}


async function openAccount() {
  try {
    const account = await s.api.openAccount(`Account ${s.accounts.size + 1}`, newKey());
    activity(`Opened ${account.name} (${account.accountId.slice(0, 8)})`, 'ok', 'page');
    await loadAccounts();
  } catch (err) {
    activity(`Could not open an account: ${messageOf(err)}`, 'error', 'page');
  }
}

// ---------------------------------------------------------------- the form

function formChanged() {
  const type = new FormData($('transaction-form')).get('type');
  $('to-field').hidden = type !== 'TRANSFER';
  $('tx-account-label').textContent = type === 'TRANSFER' ? 'From account' : 'Account';
  const account = s.accounts.get($('tx-account').value);
  $('tx-currency').textContent = account?.currency ?? '';
}

async function submit(event) {
  event.preventDefault();
  const data = new FormData($('transaction-form'));
  const type = String(data.get('type'));
  const accountId = String(data.get('accountId') ?? '');
  const amount = String(data.get('amount') ?? '').trim();
  const toAccountId = String(data.get('toAccountId') ?? '').trim();
  const description = String(data.get('description') ?? '').trim();
  const box = $('tx-status');
  const refuse = (text) => view.showOutcome(box, { tone: 'error', title: 'Check the form', text, state: 'invalid' });
  if (!accountId) return refuse('Choose an account.');
  if (!AMOUNT.test(amount) || /^0*(\.0*)?$/.test(amount)) {
    return refuse('Enter an amount greater than 0, with at most two decimals (e.g. 25.50).');
  }
  if (type === 'TRANSFER' && !toAccountId) return refuse('Enter the account to transfer to.');
  if (type === 'TRANSFER' && toAccountId === accountId) return refuse('Choose a different account to transfer to.');

  const body = { accountId, type, amount };
  if (description) body.description = description;
  if (type === 'TRANSFER') body.toAccountId = toAccountId;
  const button = $('tx-submit');
  button.disabled = true;
  button.textContent = 'Sending…';
  try {
    // One key per submission: a retry of this request after a lost answer reuses it.
    const tx = await s.api.record(body, newKey());
    s.formTx = tx.transactionId;
    s.known.set(tx.transactionId, tx);
    const label = view.TYPE_LABEL[tx.type] ?? tx.type;
    view.showOutcome(box, {
      tone: 'pending', title: 'Pending', state: 'pending', transactionId: tx.transactionId,
      text: `${label} of ${view.formatMoney(tx.amount, tx.currency)} recorded; waiting for it to settle…`,
    });
    if ([tx.accountId, tx.toAccountId].includes(s.selected) && !findRow(tx.transactionId)) {
      $('history-rows').prepend(view.historyRow(tx, s.selected));
      $('history-empty').hidden = true;
    }
    $('tx-amount').value = '';
    $('tx-description').value = '';
    watch(tx.transactionId);
  } catch (err) {
    const code = err instanceof ApiError ? err.code : err instanceof NetworkError ? 'NOT_SENT' : 'ERROR';
    view.showOutcome(box, { tone: 'error', title: `Refused (${code})`, text: messageOf(err), state: 'refused' });
  } finally {
    button.disabled = false;
    button.textContent = 'Send';
  }
}

// ---------------------------------------------------------------- settling
hooks.reloadAccounts = () => loadAccounts();
hooks.reloadHistory = () => scheduleHistoryReload();
boot();
