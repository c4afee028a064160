// A subscriber to one AppSync Events channel over its WebSocket protocol, in plain
// JavaScript (DESIGN §4 "Live events"): subprotocols `aws-appsync-event-ws` and
// `header-<base64url JSON {Authorization, host}>`; `connection_init` →
// `connection_ack`, `subscribe` → `subscribe_success`, then `data` frames whose
// `event` is a JSON string; `ka` keep-alives. It reconnects with backoff.
//
// Events it dispatches: `state` (detail {state, reason?, retryInMs?}) with state
// `connecting` | `live` | `reconnecting` | `off`, and `event` (detail: the parsed
// payload).

const MAX_BACKOFF_MS = 30_000;
const ACK_TIMEOUT_MS = 10_000;
const DEFAULT_KA_TIMEOUT_MS = 300_000;

/** base64url without padding, of the UTF-8 bytes of `text`. */
export function base64url(text) {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The `host` AppSync authorizes against: the HTTP endpoint's when known. */
export function authHost(realtimeUrl, httpUrl) {
  try {
    return new URL(httpUrl || realtimeUrl).host;
  } catch {
    return '';
  }
}

export class LiveChannel extends EventTarget {
  #url;
  #host;
  #channel;
  #token;
  #newId;
  #ws = null;
  #subscriptionId = null;
  #attempt = 0;
  #retryTimer = null;
  #watchdog = null;
  #keepAliveMs = DEFAULT_KA_TIMEOUT_MS;
  #refusal = null;
  #stopped = true;
  state = 'off';

  /**
   * @param {{realtimeUrl: string, httpUrl?: string, channel: string,
   *          token: () => string | null, newId: () => string}} options
   */
  constructor({ realtimeUrl, httpUrl, channel, token, newId }) {
    super();
    this.#url = realtimeUrl;
    this.#host = authHost(realtimeUrl, httpUrl);
    this.#channel = channel;
    this.#token = token;
    this.#newId = newId;
  }

  start() {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#attempt = 0;
    this.#connect();
  }

  stop() {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#watchdog);
    const ws = this.#ws;
    this.#ws = null;
    if (ws) {
      if (ws.readyState === WebSocket.OPEN && this.#subscriptionId) {
        ws.send(JSON.stringify({ type: 'unsubscribe', id: this.#subscriptionId }));
      }
      ws.close(1000, 'signed out');
    }
    this.#setState('off');
  }

  /** Try again now (e.g. the browser came back online). */
  nudge() {
    if (this.#stopped || this.state === 'live' || this.state === 'connecting') return;
    clearTimeout(this.#retryTimer);
    this.#connect();
  }

  #setState(state, extra = {}) {
    this.state = state;
    this.dispatchEvent(new CustomEvent('state', { detail: { state, ...extra } }));
  }

  #auth() {
    return { Authorization: this.#token() ?? '', host: this.#host };
  }

  #connect() {
    this.#setState(this.#attempt === 0 ? 'connecting' : 'reconnecting');
    let ws;
    try {
      ws = new WebSocket(this.#url, ['aws-appsync-event-ws', `header-${base64url(JSON.stringify(this.#auth()))}`]);
    } catch {
      this.#retry('the live events address is not valid');
      return;
    }
    this.#ws = ws;
    this.#subscriptionId = null;
    this.#arm(ws, ACK_TIMEOUT_MS, 'no answer from the live events server');
    ws.addEventListener('open', () => ws.send(JSON.stringify({ type: 'connection_init' })));
    ws.addEventListener('message', (message) => this.#onFrame(ws, message.data));
    ws.addEventListener('close', (e) => {
      if (ws !== this.#ws) return;
      this.#ws = null;
      this.#retry(this.#refusal ?? (e.reason || `connection closed (${e.code})`));
      this.#refusal = null;
    });
  }

  /** Closes `ws` unless it shows life within `ms`. */
  #arm(ws, ms, why) {
    clearTimeout(this.#watchdog);
    this.#watchdog = setTimeout(() => {
      if (ws === this.#ws) ws.close(4000, why);
    }, ms);
  }

  #onFrame(ws, text) {
    if (ws !== this.#ws) return;
    let frame;
    try { frame = JSON.parse(text); } catch { return; }
    switch (frame?.type) {
      case 'connection_ack': {
        this.#keepAliveMs = Number(frame.connectionTimeoutMs) || DEFAULT_KA_TIMEOUT_MS;
        this.#arm(ws, ACK_TIMEOUT_MS, 'the subscription was not answered');
        this.#subscriptionId = this.#newId();
        ws.send(JSON.stringify({
          type: 'subscribe', id: this.#subscriptionId, channel: this.#channel, authorization: this.#auth(),
        }));
        break;
      }
      case 'ka':
        if (this.state === 'live') this.#arm(ws, this.#keepAliveMs, 'keep-alive timeout');
        break;
      case 'subscribe_success':
        if (frame.id !== this.#subscriptionId) break;
        this.#attempt = 0;
        this.#arm(ws, this.#keepAliveMs, 'keep-alive timeout');
        this.#setState('live');
        break;
      case 'subscribe_error':
      case 'connection_error':
      case 'error':
        this.#refusal = describe(frame.errors) || `the server refused (${frame.type})`;
        ws.close(4001);
        break;
      case 'data': {
        if (frame.id !== this.#subscriptionId) break;
        this.#arm(ws, this.#keepAliveMs, 'keep-alive timeout');
        let payload;
        try { payload = typeof frame.event === 'string' ? JSON.parse(frame.event) : frame.event; } catch { break; }
        if (payload && typeof payload === 'object') this.dispatchEvent(new CustomEvent('event', { detail: payload }));
        break;
      }
      default:
        break;
    }
  }

  #retry(reason) {
    clearTimeout(this.#watchdog);
    if (this.#stopped) return;
    this.#attempt += 1;
    const ceiling = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (this.#attempt - 1));
    const retryInMs = Math.round(ceiling * (0.5 + Math.random() * 0.5));
    this.#setState('reconnecting', { reason, retryInMs });
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => this.#connect(), retryInMs);
  }
}

function describe(errors) {
  if (!Array.isArray(errors)) return '';
  return errors
    .map((e) => [e?.errorType, e?.message].filter(Boolean).join(': '))
    .filter(Boolean)
    .join('; ')
    .slice(0, 200);
}
