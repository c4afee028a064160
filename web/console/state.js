// The console's state, shared by its modules, and a few helpers on the page.

import { ApiError } from './api.js';
import * as view from './view.js';

export const $ = (id) => document.getElementById(id);

export const s = {
  config: null, api: null, live: null, claims: null, refreshTimer: null,
  accounts: new Map(), // accountId → account (+ version, from live events)
  selected: null,
  seen: new Set(), // eventIds already handled
  settled: new Set(), // transactionIds shown as settled
  watching: new Map(), // transactionId → { started, attempt, timer }
  known: new Map(), // transactionId → { type, amount, currency }
  formTx: null, // the transaction the outcome box is about
  historyTimer: null,
};

/** Forgets everything about the session. */
export function reset() {
  for (const watching of s.watching.values()) clearTimeout(watching.timer);
  for (const collection of [s.accounts, s.seen, s.settled, s.watching, s.known]) collection.clear();
  s.selected = null;
  s.formTx = null;
}

export function accountItem(id) {
  return $('accounts').querySelector(`li[data-account-id="${CSS.escape(id)}"]`);
}

export function findRow(transactionId) {
  return $('history-rows').querySelector(`tr[data-transaction-id="${CSS.escape(transactionId)}"]`);
}

/** A line of the live activity log. */
export function activity(text, tone, via) {
  $('activity').prepend(view.activityItem(text, tone, via));
  $('activity-empty').hidden = true;
  while ($('activity').children.length > 50) $('activity').lastElementChild.remove();
}

export function messageOf(err) {
  if (err instanceof ApiError) return err.field ? `${err.message} (field: ${err.field})` : err.message;
  return err?.message ?? String(err);
}
