// How things look: accounts, history rows, outcomes. Built with DOM calls and
// textContent only (text from the server is never parsed as HTML). Money arrives as
// exact decimal strings and is formatted as such, never through floating point.

export const TYPE_LABEL = {
  DEPOSIT: 'Deposit', WITHDRAWAL: 'Withdrawal', TRANSFER: 'Transfer', ADJUSTMENT: 'Adjustment',
  HOLD: 'Hold', CAPTURE: 'Capture', VOID: 'Hold released', EXPIRY: 'Hold expired', REVERSAL: 'Reversal',
};

const REJECTION_TEXT = {
  INSUFFICIENT_FUNDS: 'insufficient funds',
  ACCOUNT_NOT_FOUND: 'the destination account does not exist',
  ACCOUNT_NOT_OPEN: 'an account involved is not open (frozen or closed)',
  CURRENCY_MISMATCH: 'the accounts hold different currencies',
  BALANCE_LIMIT_EXCEEDED: 'the balance would exceed its limit',
  HOLD_NOT_ACTIVE: 'the hold was already captured, released or expired',
  HOLD_EXPIRED: 'the hold had expired',
  HOLD_NOT_EXPIRED: 'the hold had not expired yet',
  CAPTURE_EXCEEDS_HOLD: 'the amount is larger than the hold',
  REVERSAL_EXCEEDS_ORIGINAL: 'the reversals would exceed the original transaction',
};

/** "Rejected: insufficient funds" and the like. */
export function rejectionMessage(reason) {
  return `Rejected: ${REJECTION_TEXT[reason] ?? (reason ? reason.toLowerCase().replace(/_/g, ' ') : 'no reason given')}`;
}

/** "1,234.50 USD"-like text for an exact decimal string (locale-aware, still exact). */
export function formatMoney(amount, currency) {
  const text = String(amount ?? '');
  try {
    // Intl formats decimal strings exactly (no conversion to a float).
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(text);
  } catch {
    return `${text} ${currency ?? ''}`.trim();
  }
}

export function formatWhen(iso) {
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return '';
  return when.toLocaleString(undefined, {
    month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit',
  });
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('data-') || key.startsWith('aria-') || key === 'title' || key === 'role') node.setAttribute(key, value);
    else node[key] = value;
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

/** One account as a selectable card. */
export function accountItem(account, selected) {
  const balance = el('span', {
    class: 'balance', 'data-role': 'balance', 'data-balance': account.balance,
    'data-updated-by': account.updatedBy ?? 'load', 'data-version': account.version, text: formatMoney(account.balance, account.currency),
  });
  const button = el('button', {
    type: 'button', class: 'account', 'aria-pressed': String(selected), title: `Account ${account.accountId}`,
  },
  el('span', { class: 'account-name', text: account.name }),
  balance,
  heldLine(account),
  el('span', { class: 'account-meta' },
    el('span', { class: `badge status-${account.status.toLowerCase()}`, text: account.status }),
    el('code', { class: 'account-id', text: account.accountId.slice(0, 8) })));
  return el('li', { 'data-account-id': account.accountId }, button);
}

/** "Available 40.00 USD · 60.00 USD on hold" when part of the balance is held. */
function heldLine(account) {
  const held = String(account.heldAmount ?? '0');
  if (!account.availableBalance || /^0+(\.0+)?$/.test(held)) return null;
  return el('span', {
    class: 'account-held', 'data-role': 'held', 'data-held': held,
    text: `Available ${formatMoney(account.availableBalance, account.currency)} · ${formatMoney(held, account.currency)} on hold`,
  });
}

/** Shows a new balance on an account card and says where it came from. */
export function showBalance(item, account, via) {
  const balance = item?.querySelector('[data-role="balance"]');
  account.updatedBy = via;
  if (!balance) return;
  balance.textContent = formatMoney(account.balance, account.currency);
  balance.dataset.balance = account.balance;
  balance.dataset.updatedBy = via;
  if (account.version != null) balance.dataset.version = String(account.version);
  flash(balance);
}

function flash(node) {
  node.classList.remove('flash');
  void node.offsetWidth; // restart the animation
  node.classList.add('flash');
}

function statusBadge(status) {
  return el('span', { class: `badge status-${String(status).toLowerCase()}`, 'data-role': 'status', text: status });
}

/** One history entry as a table row, as seen from account `viewId`. */
export function historyRow(entry, viewId) {
  if (entry.entryType === 'STATUS_CHANGE') {
    return el('tr', { class: 'status-change', 'data-event-id': entry.eventId },
      el('td', { class: 'when', text: formatWhen(entry.createdAt) }),
      el('td', { text: 'Status' }),
      el('td', { class: 'num' }),
      el('td', {}, statusBadge(entry.toStatus)),
      el('td', { class: 'num' }),
      el('td', { text: `${entry.fromStatus} → ${entry.toStatus}${entry.reason ? `: ${entry.reason}` : ''}` }));
  }
  const moves = entry.type === 'TRANSFER' || (entry.type === 'REVERSAL' && entry.toAccountId);
  const incoming = moves && entry.toAccountId === viewId;
  const debit = ['WITHDRAWAL', 'CAPTURE'].includes(entry.type) || (moves && !incoming)
    || entry.direction === 'DEBIT' || String(entry.amount).startsWith('-');
  const amount = String(entry.amount).replace(/^-/, '');
  const row = el('tr', { 'data-transaction-id': entry.transactionId, 'data-status': entry.status },
    el('td', { class: 'when', text: formatWhen(entry.createdAt) }),
    el('td', { text: `${TYPE_LABEL[entry.type] ?? entry.type}${incoming ? ' in' : entry.type === 'TRANSFER' ? ' out' : ''}` }),
    // A hold and its release move no posted money: shown without a sign.
    ['HOLD', 'VOID', 'EXPIRY'].includes(entry.type)
      ? el('td', { class: 'num held', text: formatMoney(amount, entry.currency) })
      : el('td', { class: `num ${debit ? 'debit' : 'credit'}`, text: `${debit ? '−' : '+'}${formatMoney(amount, entry.currency)}` }),
    el('td', {}, statusBadge(entry.status)),
    el('td', { class: 'num', 'data-role': 'balance-after', text: entry.balanceAfter ? formatMoney(entry.balanceAfter, entry.currency) : '' }),
    el('td', { 'data-role': 'details', text: details(entry) }));
  row.dataset.currency = entry.currency;
  return row;
}

function details(entry) {
  if (entry.status === 'REJECTED') return rejectionMessage(entry.rejectionReason);
  return entry.description ?? '';
}

/** Flips a row to its settled status; `via` says what told us (`live` or `poll`). */
export function settleRow(row, { status, rejectionReason, balanceAfter }, via) {
  if (!row) return;
  row.dataset.status = status;
  row.dataset.settledBy = via;
  row.querySelector('[data-role="status"]')?.replaceWith(statusBadge(status));
  if (balanceAfter) {
    row.querySelector('[data-role="balance-after"]').textContent = formatMoney(balanceAfter, row.dataset.currency);
  }
  if (status === 'REJECTED') row.querySelector('[data-role="details"]').textContent = rejectionMessage(rejectionReason);
  flash(row);
}

/** A line of the live activity log. */
export function activityItem(text, tone, via) {
  const time = new Date().toLocaleTimeString();
  return el('li', { class: `tone-${tone}`, 'data-via': via },
    el('time', { text: time }),
    via === 'live' || via === 'poll' ? el('span', { class: 'via', text: via === 'live' ? 'live' : 'checked' }) : null,
    el('span', { text }));
}

/** The outcome box under the form. */
export function showOutcome(box, { tone, title, text, transactionId, state }) {
  box.hidden = false;
  box.className = `outcome tone-${tone}`;
  box.dataset.state = state;
  if (transactionId) box.dataset.transactionId = transactionId;
  box.setAttribute('role', tone === 'error' ? 'alert' : 'status');
  box.replaceChildren(el('strong', { text: title }), ...(text ? [' ', el('span', { text })] : []));
}
