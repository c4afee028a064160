// The independent AppSync Events client of the tests: it speaks to an Events
// API only through the official Amplify JS library (aws-amplify's `events`
// API, pinned in scripts/events-client.sh), so a test that passes with it shows
// that the local emulation speaks the real protocol, not just our idea of it.
// Run it through scripts/events-client.sh (installs the packages, then runs this).
//
//   subscribe --endpoint http://127.0.0.1:PORT/event --token JWT --channel /users/SUB
//             [--count N (1)] [--timeout-ms T (10000)]
//       Connects (events.connect), subscribes with Cognito user-pool auth; prints
//       {"ready":true} on stdout once the subscription is acknowledged, then one
//       line per event received: the event as Amplify hands it (the parsed JSON
//       of the frame's `event` string), nothing else.
//   publish   --endpoint ... --token JWT --channel /users/SUB --event '{"k":1}'
//             [--via http|ws (http)] [--timeout-ms T (10000)]
//       Publishes with Cognito user-pool auth: over HTTP (events.post) or over
//       the WebSocket (channel.publish). Prints {"published":true} or {"error":...}.
//
// All output is JSON lines on stdout (stderr only has the installer's and
// Node's own messages). --token may instead come from
// EVENTS_CLIENT_TOKEN; it is never printed. It is handed to Amplify as both the
// access and the id token (Amplify sends the access token for userPool).
// Exit codes: 0 done; 1 bad usage; 2 subscription refused (subscribe_error);
// 3 timeout; 4 connection failed or closed (includes a refused connection);
// 5 publish refused.
//
// Shim: Amplify derives the realtime URL as wss://<endpoint host><endpoint
// path>/realtime, always wss. For an http:// endpoint on a loopback host (the
// local emulator has no TLS) the WebSocket class given to Amplify below opens
// ws:// instead; nothing else of Amplify's is changed.
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(join(process.env.EVENTS_CLIENT_MODULES ?? '.', 'noop.js'));
const { Amplify } = require('aws-amplify');
const { events } = require('aws-amplify/data');
const { decodeJWT } = require('aws-amplify/auth');
const NodeWebSocket = require('ws');

const EXIT = { ok: 0, usage: 1, refused: 2, timeout: 3, connection: 4, publishRefused: 5 };

function finish(code, line) {
  if (line) process.stdout.write(JSON.stringify(line) + '\n');
  process.exit(code); // Amplify keeps timers (keep-alive checks) running: end here
}

function parseArgs(argv) {
  const [command, ...rest] = argv;
  const flags = {};
  for (let i = 0; i < rest.length; i += 2) {
    if (!rest[i].startsWith('--') || rest[i + 1] === undefined) { // (values unechoed: one is a token)
      finish(EXIT.usage, { error: 'usage', message: `expected --flag value pairs, not at argument ${i + 2}` });
    }
    flags[rest[i].slice(2)] = rest[i + 1];
  }
  return { command, flags };
}

const { command, flags } = parseArgs(process.argv.slice(2));
const token = flags.token ?? process.env.EVENTS_CLIENT_TOKEN;
const timeoutMs = Number(flags['timeout-ms'] ?? 10000);
const count = Number(flags.count ?? 1);
const endpoint = URL.canParse(flags.endpoint ?? '') ? new URL(flags.endpoint) : null;
if (!['subscribe', 'publish'].includes(command) || !endpoint || !token || !flags.channel
    || !(timeoutMs > 0) || !(count >= 1) || !['http', 'ws'].includes(flags.via ?? 'http')) {
  finish(EXIT.usage, {
    error: 'usage',
    message: 'events-client.sh subscribe|publish --endpoint URL --token JWT --channel /ns/ch [...]',
  });
}

// The shim (see the header) plus a record of how the socket closed, for the
// error lines.
const plainLoopback =
  endpoint.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(endpoint.hostname);
let lastSocket = null;
let onSocketClose = null; // set once connected: a later close is a failure
class EndpointWebSocket extends NodeWebSocket {
  constructor(url, protocols) {
    super(plainLoopback ? String(url).replace(/^wss:/, 'ws:') : url, protocols);
    lastSocket = { url: String(url), error: null, close: null };
    const seen = lastSocket;
    this.addEventListener('error', (e) => { seen.error = e.message ?? String(e.error ?? e); });
    this.addEventListener('close', (e) => {
      seen.close = { code: e.code, reason: e.reason };
      onSocketClose?.(seen);
    });
  }
}
globalThis.WebSocket = EndpointWebSocket;

// A JWT object as Amplify's token provider contract wants it; a token that is
// no JWT is still passed through, for the server to refuse.
function jwt(raw) {
  try { return decodeJWT(raw); } catch { return { payload: {}, toString: () => raw }; }
}
Amplify.configure(
  { API: { Events: { endpoint: flags.endpoint, region: 'us-east-1', defaultAuthMode: 'userPool' } } },
  { Auth: { tokenProvider: { getTokens: async () => ({ accessToken: jwt(token), idToken: jwt(token) }) } } },
);

let stage = 'connect';
setTimeout(() => finish(EXIT.timeout, { error: 'timeout', timeoutMs, stage }), timeoutMs);

function socketDetails() {
  return lastSocket ? { socketError: lastSocket.error, socketClose: lastSocket.close } : {};
}

async function connect() {
  try {
    const channel = await events.connect(flags.channel);
    onSocketClose = (seen) => finish(EXIT.connection, { error: 'connection_closed', stage, ...seen.close });
    return channel;
  } catch (err) {
    finish(EXIT.connection, { error: 'connection_failed', message: String(err?.message ?? err), ...socketDetails() });
  }
}

async function subscribe() {
  let received = 0;
  const channel = await connect();
  stage = 'subscribe';
  const sub = channel.subscribe({
    next: async (data) => {
      process.stdout.write(JSON.stringify(data.event) + '\n');
      if (++received < count) return;
      // Leave as a client does: unsubscribe, then close the socket.
      onSocketClose = null;
      sub.unsubscribe(); // sends its frame a tick later
      await new Promise((r) => setTimeout(r, 50));
      await Promise.race([events.closeAll(), new Promise((r) => setTimeout(r, 1000))]).catch(() => {});
      finish(EXIT.ok);
    },
    error: () => {}, // reported through sub.ready or the socket's close
  });
  try {
    await sub.ready;
  } catch (err) {
    // Amplify reports a subscribe_error as "Connection failed: <errorType>: <message>".
    const message = String(err?.message ?? err);
    const m = /^Connection failed: ([^:]*): ([\s\S]*)$/.exec(message);
    finish(EXIT.refused, { error: 'subscribe_error', ...(m ? { errorType: m[1], message: m[2] } : { message }) });
  }
  stage = 'events';
  process.stdout.write(JSON.stringify({ ready: true }) + '\n');
}

async function publish() {
  let event;
  try { event = JSON.parse(flags.event ?? ''); } catch {
    finish(EXIT.usage, { error: 'usage', message: '--event must be JSON' });
  }
  stage = 'publish';
  if (flags.via === 'ws') {
    const channel = await connect();
    try {
      await channel.publish(event);
    } catch (err) {
      finish(EXIT.publishRefused, { error: 'publish_error', message: String(err?.message ?? err) });
    }
    finish(EXIT.ok, { published: true });
  }
  let failed;
  try {
    failed = await events.post(flags.channel, event);
  } catch (err) {
    // Amplify throws the parsed body when a 2xx answer carries `errors`.
    if (Array.isArray(err?.errors)) finish(EXIT.publishRefused, { error: 'publish_refused', errors: err.errors });
    const status = err?.response?.statusCode ?? err?.$metadata?.httpStatusCode;
    if (status === undefined) {
      finish(EXIT.connection, { error: 'connection_failed', name: err?.name, message: String(err?.message ?? err) });
    }
    finish(EXIT.publishRefused, {
      error: 'publish_refused', status, name: err?.name, message: err?.message, body: err?.response?.body,
    });
  }
  // A 200 answer may still list events it did not take.
  if (failed?.length) finish(EXIT.publishRefused, { error: 'publish_failed', failed });
  finish(EXIT.ok, { published: true });
}

await (command === 'subscribe' ? subscribe() : publish());
