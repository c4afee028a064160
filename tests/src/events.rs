//! Clients of the local runtime's AppSync Events: holders with both of their Cognito
//! tokens, a WebSocket speaking the Events protocol, SigV4-signed and unsigned HTTP
//! publishes, and tokens re-signed with moto's own pool key (to make an expired one).

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_credential_types::provider::ProvideCredentials;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::gateway::{PASSWORD, new_holder, text};
use crate::local::{Answer, LocalStack};

/// The subprotocol of AppSync Events.
pub const PROTOCOL: &str = "aws-appsync-event-ws";

/// How long a test waits for a frame it expects.
pub const WAIT: Duration = Duration::from_secs(10);

/// How long a test waits to be sure a frame does not come.
pub const QUIET: Duration = Duration::from_millis(700);

/// A signed-in user: both tokens and their Cognito `sub`.
#[derive(Debug, Clone)]
pub struct Holder {
    pub id_token: String,
    pub access_token: String,
    pub sub: String,
}

impl Holder {
    /// `/users/<sub>`.
    pub fn channel(&self) -> String {
        shared::events::user_channel(&self.sub)
    }
}

/// A new ordinary user, signed in.
pub async fn holder(s: &LocalStack) -> Holder {
    let (_, username) = new_holder(s).await;
    let login = s
        .call(
            "POST",
            "/auth/login",
            None,
            Some(&json!({ "username": username, "password": PASSWORD })),
            None,
        )
        .await;
    assert_eq!(login.status, 200, "login: {:?}", login.body);
    let id_token = text(&login.body["idToken"]);
    Holder {
        sub: text(&crate::forge::payload(&id_token)["sub"]),
        access_token: text(&login.body["accessToken"]),
        id_token,
    }
}

/// `stack.json`'s `eventsHttpUrl`.
pub fn http_url(s: &LocalStack) -> String {
    text(&s.info["eventsHttpUrl"])
}

/// `stack.json`'s `eventsRealtimeUrl`.
pub fn realtime_url(s: &LocalStack) -> String {
    text(&s.info["eventsRealtimeUrl"])
}

/// The `header-` subprotocol carrying `token` for the API at `host`.
pub fn header_protocol(token: &str, host: &str) -> String {
    let header = json!({ "Authorization": token, "host": host }).to_string();
    format!("header-{}", URL_SAFE_NO_PAD.encode(header))
}

/// One WebSocket connection to the Events API.
#[derive(Debug)]
pub struct EventsSocket {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl EventsSocket {
    /// Opens the WebSocket offering `protocols`; the server must select [`PROTOCOL`].
    pub async fn open(s: &LocalStack, protocols: &[String]) -> Result<Self, WsError> {
        let mut request = realtime_url(s).into_client_request()?;
        let offered = HeaderValue::from_str(&protocols.join(", "))
            .unwrap_or_else(|e| panic!("subprotocols: {e}"));
        request
            .headers_mut()
            .insert("sec-websocket-protocol", offered);
        let (socket, response) = tokio_tungstenite::connect_async(request).await?;
        assert_eq!(
            response.headers().get("sec-websocket-protocol"),
            Some(&HeaderValue::from_static(PROTOCOL)),
            "the server selects {PROTOCOL}"
        );
        Ok(Self { socket })
    }

    /// Opens the WebSocket as Amplify does, with `token` in the header subprotocol.
    pub async fn open_with(s: &LocalStack, token: &str) -> Self {
        let host = http_url(s).split('/').nth(2).unwrap_or_default().to_owned();
        Self::open(s, &[PROTOCOL.to_owned(), header_protocol(token, &host)])
            .await
            .unwrap_or_else(|e| panic!("WebSocket: {e}"))
    }

    /// An acknowledged connection: `connection_init` answered by `connection_ack`.
    pub async fn connect(s: &LocalStack, token: &str) -> Self {
        let mut socket = Self::open_with(s, token).await;
        let ack = socket.init().await;
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        socket
    }

    /// Sends `connection_init`; the first answer (a `ka` included).
    pub async fn init(&mut self) -> Value {
        self.send(&json!({ "type": "connection_init" })).await;
        self.next_any(WAIT)
            .await
            .unwrap_or_else(|| panic!("no answer to connection_init"))
    }

    /// Sends a frame.
    pub async fn send(&mut self, frame: &Value) {
        self.socket
            .send(Message::Text(frame.to_string().into()))
            .await
            .unwrap_or_else(|e| panic!("send {frame}: {e}"));
    }

    /// The next frame within `wait`, `ka` included; `None` at a close or timeout.
    pub async fn next_any(&mut self, wait: Duration) -> Option<Value> {
        loop {
            let message = tokio::time::timeout(wait, self.socket.next())
                .await
                .ok()??;
            match message {
                Ok(Message::Text(text)) => {
                    return Some(serde_json::from_str(text.as_str()).unwrap_or(Value::Null));
                }
                Ok(Message::Close(_)) | Err(_) => return None,
                Ok(_) => {}
            }
        }
    }

    /// The next frame that is not a `ka`, within `wait`.
    pub async fn next_frame(&mut self, wait: Duration) -> Option<Value> {
        loop {
            let frame = self.next_any(wait).await?;
            if frame["type"] != "ka" {
                return Some(frame);
            }
        }
    }

    /// Whether the server closes the connection within `wait` (frames before the
    /// close are skipped).
    pub async fn closes(&mut self, wait: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.socket.next()).await {
                Err(_) => return false,
                Ok(None | Some(Err(_) | Ok(Message::Close(_)))) => return true,
                Ok(Some(Ok(_))) => {}
            }
        }
    }

    /// Subscribes `id` to `channel` with `token`; the answer.
    pub async fn subscribe(&mut self, id: &str, channel: &str, token: &str) -> Value {
        self.send(&json!({
            "type": "subscribe",
            "id": id,
            "channel": channel,
            "authorization": { "Authorization": token, "host": "127.0.0.1" },
        }))
        .await;
        self.next_frame(WAIT)
            .await
            .unwrap_or_else(|| panic!("no answer to subscribe {id}"))
    }
}

/// The `errorType` of a frame's or body's first error.
pub fn error_type(value: &Value) -> String {
    text(&value["errors"][0]["errorType"])
}

/// The credentials the runtime (and so notify) signs with.
pub async fn local_credentials(s: &LocalStack) -> Credentials {
    let provider = s
        .stack
        .config
        .sdk()
        .credentials_provider()
        .unwrap_or_else(|| panic!("the emulators' configuration has credentials"));
    provider
        .provide_credentials()
        .await
        .unwrap_or_else(|e| panic!("credentials: {e}"))
}

/// A publish body.
pub fn publish_body(channel: &str, events: &[Value]) -> String {
    let events: Vec<String> = events.iter().map(Value::to_string).collect();
    json!({ "channel": channel, "events": events }).to_string()
}

/// The SigV4 headers (service `appsync`) that sign a [`post_event`] of `body` with
/// `credentials` for `region`.
pub fn signature(
    s: &LocalStack,
    body: &str,
    credentials: &Credentials,
    region: &str,
) -> Vec<(String, String)> {
    let content_type = [("content-type".to_owned(), "application/json".to_owned())];
    let url = http_url(s);
    let now = SystemTime::now();
    shared::events::sigv4::sign_headers(
        "POST",
        &url,
        &content_type,
        body.as_bytes(),
        credentials,
        region,
        now,
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// `POST /event` with `body` as JSON and `headers`.
pub async fn post_event(s: &LocalStack, body: &str, headers: &[(String, String)]) -> Answer {
    s.post_json(&http_url(s), body, headers).await
}

/// [`post_event`] signed with the local credentials, as notify signs.
pub async fn post_signed(s: &LocalStack, channel: &str, events: &[Value]) -> Answer {
    let credentials = local_credentials(s).await;
    let body = publish_body(channel, events);
    post_event(s, &body, &signature(s, &body, &credentials, "us-east-1")).await
}

/// `token`'s claims re-signed with the key moto signs every pool's tokens with (the
/// one its JWKS publishes, read from the moto the emulators script installed), with
/// `exp` set `expires_in` seconds from now (negative: already expired).
pub async fn resigned(token: &str, expires_in: i64) -> String {
    let now = chrono::Utc::now().timestamp();
    let mut claims = crate::forge::payload(token);
    claims["exp"] = json!(now + expires_in);
    claims["iat"] = json!(now.min(now + expires_in) - 60);
    claims["auth_time"] = claims["iat"].clone();
    let python = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../.local/venv/bin/python");
    let script = "import json, sys\n\
        from joserfc import jwk, jwt\n\
        from moto.utilities.utils import load_resource\n\
        key = jwk.RSAKey.import_key(load_resource('cognitoidp/resources/jwks-private.json'))\n\
        print(jwt.encode({'kid': 'dummy', 'alg': 'RS256'}, json.load(sys.stdin), key))\n";
    let mut child = tokio::process::Command::new(&python)
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{} (install the emulators first): {e}", python.display()));
    if let Some(mut stdin) = child.stdin.take() {
        use tokio::io::AsyncWriteExt;
        stdin
            .write_all(claims.to_string().as_bytes())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let output = child
        .wait_with_output()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(output.status.success(), "re-signing failed");
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}
