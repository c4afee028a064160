// The banking REST API (openapi.yaml), as the console uses it. Tokens live in this
// object only (memory): never in localStorage, cookies or the URL, never logged.

/** An answer the API refused: `code` and `message` as the API sent them. */
export class ApiError extends Error {
  constructor(status, body) {
    const code = body?.code ?? (status === 401 ? 'UNAUTHORIZED' : `HTTP_${status}`);
    super(body?.message ?? `The server answered ${status}.`);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = body?.field;
  }
}

/** The network failed (no answer at all). */
export class NetworkError extends Error {
  constructor(cause) {
    super('The server could not be reached. Check your connection and try again.');
    this.name = 'NetworkError';
    this.cause = cause;
  }
}

/** A fresh Idempotency-Key (a v4 UUID), also where `crypto.randomUUID` is missing. */
export function newKey() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The claims of a JWT (not verified: the server does that), or `{}`. */
export function claimsOf(jwt) {
  try {
    const part = String(jwt).split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(part.padEnd(part.length + ((4 - (part.length % 4)) % 4), '='));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return {};
  }
}

const RETRIES = 2; // for a lost answer or a 5xx on a request that is safe to repeat

export class Api {
  #base;
  #idToken = null;
  #refreshToken = null;
  #expiresAt = 0;
  /** Called when the session ends (a 401 on a signed-in call). */
  onSignedOut = () => {};

  constructor(baseUrl) {
    this.#base = String(baseUrl).replace(/\/+$/, '');
  }

  get idToken() { return this.#idToken; }
  get signedIn() { return this.#idToken !== null; }
  /** Seconds until the IdToken expires (0 when signed out). */
  get secondsLeft() { return Math.max(0, Math.round((this.#expiresAt - Date.now()) / 1000)); }

  async login(username, password) {
    const tokens = await this.#send('POST', '/auth/login', { body: { username, password }, auth: false });
    this.#keep(tokens);
    return claimsOf(this.#idToken);
  }

  /** New tokens from the refresh token; false if the session cannot be extended. */
  async refresh() {
    if (!this.#refreshToken) return false;
    try {
      const tokens = await this.#send('POST', '/auth/refresh', { body: { refreshToken: this.#refreshToken }, auth: false });
      this.#keep(tokens);
      return true;
    } catch {
      return false;
    }
  }

  signOut() {
    this.#idToken = null;
    this.#refreshToken = null;
    this.#expiresAt = 0;
  }

  accounts() { return this.#send('GET', '/accounts?limit=100', { retry: true }); }
  account(id) { return this.#send('GET', `/accounts/${encodeURIComponent(id)}`, { retry: true }); }
  history(id, limit = 15) {
    return this.#send('GET', `/accounts/${encodeURIComponent(id)}/transactions?limit=${limit}`, { retry: true });
  }
  transaction(id) { return this.#send('GET', `/transactions/${encodeURIComponent(id)}`, { retry: true }); }

  /** Records a transaction under `key`; a lost answer is retried with the same key. */
  record(body, key) { return this.#send('POST', '/transactions', { body, key, retry: true }); }
  openAccount(name, key) { return this.#send('POST', '/accounts', { body: { name }, key, retry: true }); }

  #keep(tokens) {
    this.#idToken = tokens.idToken;
    if (tokens.refreshToken) this.#refreshToken = tokens.refreshToken;
    this.#expiresAt = Date.now() + Number(tokens.expiresIn ?? 3600) * 1000;
  }

  async #send(method, path, { body, key, auth = true, retry = false } = {}) {
    for (let attempt = 0; ; attempt += 1) {
      const headers = { Accept: 'application/json' };
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      if (key) headers['Idempotency-Key'] = key;
      if (auth) {
        if (!this.#idToken) throw new ApiError(401, { code: 'UNAUTHORIZED', message: 'Please sign in.' });
        headers.Authorization = `Bearer ${this.#idToken}`;
      }
      let response;
      try {
        response = await fetch(this.#base + path, {
          method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store',
        });
      } catch (err) {
        if (retry && attempt < RETRIES) { await pause(attempt); continue; }
        throw new NetworkError(err);
      }
      if (response.status >= 500 && retry && attempt < RETRIES) { await pause(attempt); continue; }
      const text = await response.text();
      let parsed = null;
      try { parsed = text ? JSON.parse(text) : null; } catch { parsed = null; }
      if (response.ok) return parsed;
      if (response.status === 401 && auth) {
        this.signOut();
        this.onSignedOut();
      }
      throw new ApiError(response.status, parsed);
    }
  }
}

function pause(attempt) {
  return new Promise((resolve) => setTimeout(resolve, 400 * 2 ** attempt));
}
