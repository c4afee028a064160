// Settling on screen: a pending transaction is followed until the live channel (or,
// without it, a read of the API) says how it ended; balances move only forward
// (events are deduplicated by `eventId` and dropped as stale by `accountVersion`).

import { $, s, accountItem, activity, findRow } from './state.js';
import * as view from './view.js';

const LIVE_GRACE_MS = 15_000; // channel live: read the transaction only if no event came by then
const POLL_MS = [700, 1000, 1500, 2000, 3000, 5000];
const POLL_GIVE_UP_MS = 120_000;
const SEEN_LIMIT = 1000;

/** What settling needs from the rest of the page. */
export const hooks = { reloadAccounts: () => {}, reloadHistory: () => {} };

export function onLiveEvent(event) {
  if (typeof event?.eventId !== 'string' || typeof event.transactionId !== 'string') return;
  if (s.seen.has(event.eventId)) return; // a redelivery
  s.seen.add(event.eventId);
  if (s.seen.size > SEEN_LIMIT) s.seen.delete(s.seen.values().next().value);

  let stale = false;
  if (event.status === 'COMPLETED' && typeof event.balance === 'string') {
    const shown = applyBalance(
      { accountId: event.accountId, balance: event.balance, version: event.accountVersion, at: event.occurredAt }, 'live',
    );
    stale = shown === 'stale';
    if (shown === 'unknown') hooks.reloadAccounts(); // e.g. an account opened elsewhere
  }
  const row = findRow(event.transactionId);
  const settled = settle(event.transactionId, {
    status: event.status,
    rejectionReason: event.rejectionReason,
    balanceAfter: event.accountId === s.selected ? event.balance : undefined,
    accountId: event.accountId,
    amount: event.amount,
    currency: event.currency,
    balance: event.balance,
    stale,
  }, 'live');
  if (settled && !row && event.accountId === s.selected) hooks.reloadHistory();
}

/** Shows a balance unless it is older than the one shown. */
export function applyBalance({ accountId, balance, version, at }, via) {
  const account = s.accounts.get(accountId);
  if (!account) return 'unknown';
  if (Number.isInteger(version) && Number.isInteger(account.version) && version <= account.version) return 'stale';
  if (at && account.updatedAt && Date.parse(at) < Date.parse(account.updatedAt)) return 'stale';
  const changed = account.balance !== balance;
  if (Number.isInteger(version)) account.version = version;
  if (at) account.updatedAt = at;
  if (!changed && via !== 'live') return 'same';
  account.balance = balance;
  view.showBalance(accountItem(accountId), account, via);
  return 'shown';
}

/** Follows a pending transaction: the channel tells, or a read does. */
export function watch(transactionId) {
  if (s.settled.has(transactionId) || s.watching.has(transactionId)) return;
  s.watching.set(transactionId, { started: Date.now(), attempt: 0, timer: null });
  schedulePoll(transactionId, s.live?.state === 'live' ? LIVE_GRACE_MS : POLL_MS[0]);
}

export function schedulePoll(transactionId, delay) {
  const watching = s.watching.get(transactionId);
  if (!watching) return;
  clearTimeout(watching.timer);
  watching.timer = setTimeout(() => poll(transactionId), delay);
}

async function poll(transactionId) {
  const watching = s.watching.get(transactionId);
  if (!watching) return;
  let tx = null;
  try { tx = await s.api.transaction(transactionId); } catch { tx = null; }
  if (!s.watching.has(transactionId)) return; // settled meanwhile
  if (tx && tx.status !== 'PENDING') {
    const mine = [tx.accountId, tx.toAccountId].filter((id) => s.accounts.has(id));
    const reads = await Promise.allSettled(mine.map((id) => s.api.account(id)));
    for (const read of reads) {
      if (read.status === 'fulfilled') {
        applyBalance({ accountId: read.value.accountId, balance: read.value.balance, at: read.value.updatedAt }, 'poll');
      }
    }
    const account = s.accounts.get(tx.accountId);
    settle(transactionId, {
      ...tx, balanceAfter: tx.accountId === s.selected ? tx.balanceAfter : undefined, balance: account?.balance,
    }, 'poll');
    return;
  }
  watching.attempt += 1;
  if (Date.now() - watching.started > POLL_GIVE_UP_MS) {
    s.watching.delete(transactionId);
    if (s.formTx === transactionId) {
      view.showOutcome($('tx-status'), {
        tone: 'pending', title: 'Still pending', state: 'pending', transactionId,
        text: 'It has not settled yet. Refresh the history later to see how it ended.',
      });
    }
    return;
  }
  const live = s.live?.state === 'live';
  schedulePoll(transactionId, live ? LIVE_GRACE_MS : POLL_MS[Math.min(watching.attempt, POLL_MS.length - 1)]);
}

/** Shows a transaction as settled, once; `via` is `live` or `poll`. */
function settle(transactionId, result, via) {
  if (s.settled.has(transactionId)) return false;
  s.settled.add(transactionId);
  clearTimeout(s.watching.get(transactionId)?.timer);
  s.watching.delete(transactionId);
  view.settleRow(findRow(transactionId), result, via);

  const known = s.known.get(transactionId);
  const label = view.TYPE_LABEL[known?.type] ?? 'Transaction';
  const money = view.formatMoney(result.amount ?? known?.amount, result.currency ?? known?.currency);
  const account = s.accounts.get(result.accountId);
  const balance = result.balance && account && !result.stale ? view.formatMoney(result.balance, account.currency) : null;
  if (result.status === 'REJECTED') {
    const title = view.rejectionMessage(result.rejectionReason);
    activity(`${label} of ${money}: ${title.toLowerCase()}`, 'error', via);
    if (s.formTx === transactionId) {
      view.showOutcome($('tx-status'), {
        tone: 'error', title, state: 'rejected', transactionId,
        text: `${label} of ${money} was not applied; the balance is unchanged.`,
      });
    }
  } else {
    const note = result.stale ? ' (an older balance: the newer one stays shown)' : '';
    activity(`${label} of ${money} completed${balance ? ` · balance ${balance}` : ''}${note}`, 'ok', via);
    if (s.formTx === transactionId) {
      view.showOutcome($('tx-status'), {
        tone: 'ok', title: 'Completed', state: 'completed', transactionId,
        text: `${label} of ${money} settled${balance ? `; the balance is now ${balance}` : ''}.`,
      });
    }
  }
  return true;
}
