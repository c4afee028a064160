//! `GET /event/realtime`: the WebSocket, its handshake (subprotocols), connection
//! authorization and keep-alives; each message is handled in [`super::operations`].

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Extension;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures::{SinkExt, StreamExt};
use serde_json::{Map, Value, json};
use tokio::sync::mpsc;

use super::EventsApi;
use super::auth::{Caller, Presented};
use super::broker::ConnectionId;
use super::frames::Failure;

/// The subprotocol a client must offer, and the one selected.
pub const PROTOCOL: &str = "aws-appsync-event-ws";

/// How often a `ka` is sent (AWS: about a minute; clients give up after
/// `connectionTimeoutMs` without one).
pub const KEEP_ALIVE: Duration = Duration::from_secs(60);

/// Handshake headers not handed to handlers: credentials and the subprotocols
/// (which carry the token).
const PRIVATE_HEADERS: [&str; 3] = ["authorization", "sec-websocket-protocol", "cookie"];

/// One connection's state, as the operations see it.
#[derive(Debug)]
pub struct Session {
    pub api: Arc<EventsApi>,
    pub id: ConnectionId,
    /// The connection's caller, or why it was refused (told at `connection_init`).
    pub caller: Result<Caller, String>,
    /// Frames to send.
    pub out: mpsc::UnboundedSender<String>,
    pub source_ip: String,
    /// The handshake's headers for handlers' `request.headers`.
    pub request: shared::events::subscribe::Request,
}

/// What the connection does after a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Continue,
    /// `connection_ack` sent: keep-alives start.
    Acknowledged,
    /// `connection_error` sent: close.
    Close,
}

impl Session {
    /// Queues `frame` for the client.
    pub fn send(&self, frame: &Value) {
        // The receiver lives as long as the connection's loop.
        let _ = self.out.send(frame.to_string());
    }
}

/// Upgrades the request after checking the subprotocols and the connection's
/// credentials (refused credentials are told after `connection_init`, as AWS does).
pub async fn upgrade(
    State(api): State<Arc<EventsApi>>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let offered: Vec<String> = ws
        .requested_protocols()
        .filter_map(|p| p.to_str().ok().map(str::to_owned))
        .collect();
    if !offered.iter().any(|p| p == PROTOCOL) {
        let failure = Failure::bad_request(format!("offer the {PROTOCOL} subprotocol"));
        let body = json!({ "errors": failure.errors() }).to_string();
        return (
            StatusCode::BAD_REQUEST,
            [("content-type", "application/json")],
            body,
        )
            .into_response();
    }
    let authorization = offered
        .iter()
        .find_map(|p| p.strip_prefix("header-"))
        .and_then(decode_header)
        .and_then(|h| {
            h.get("Authorization")
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
    let presented = Presented {
        authorization: authorization.as_deref(),
        signed: None,
    };
    let caller = api.auth.authorize(&api.config.connection, presented).await;
    let source_ip = peer.map_or_else(
        || api.host.clone(),
        |Extension(ConnectInfo(a))| a.ip().to_string(),
    );
    let request = handler_request(&headers);
    ws.protocols([PROTOCOL])
        .on_upgrade(move |socket| serve(api, socket, caller, source_ip, request))
}

/// The JSON object of a `header-` subprotocol (base64url, padding optional).
fn decode_header(encoded: &str) -> Option<Map<String, Value>> {
    let bytes = URL_SAFE_NO_PAD.decode(encoded.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn handler_request(headers: &HeaderMap) -> shared::events::subscribe::Request {
    let headers = headers
        .iter()
        .filter(|(k, _)| !PRIVATE_HEADERS.contains(&k.as_str()))
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), json!(v.to_str().ok()?))))
        .collect();
    shared::events::subscribe::Request {
        headers,
        domain_name: None,
    }
}

/// Runs one connection until either side closes it.
async fn serve(
    api: Arc<EventsApi>,
    socket: WebSocket,
    caller: Result<Caller, String>,
    source_ip: String,
    request: shared::events::subscribe::Request,
) {
    let (mut sink, mut stream) = socket.split();
    let (out, mut outgoing) = mpsc::unbounded_channel::<String>();
    let session = Session {
        id: api.broker.connect(),
        api: Arc::clone(&api),
        caller,
        out,
        source_ip,
        request,
    };
    let mut keep_alive: Option<tokio::time::Interval> = None;
    loop {
        tokio::select! {
            incoming = stream.next() => {
                let text = match incoming {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                    Some(Ok(_)) => continue,
                };
                match session.handle(text.as_str()).await {
                    Step::Continue => {}
                    Step::Acknowledged => {
                        let first = tokio::time::Instant::now() + KEEP_ALIVE;
                        keep_alive = Some(tokio::time::interval_at(first, KEEP_ALIVE));
                    }
                    Step::Close => {
                        while let Ok(frame) = outgoing.try_recv() {
                            let _ = sink.send(Message::Text(frame.into())).await;
                        }
                        let _ = sink.send(Message::Close(None)).await;
                        break;
                    }
                }
            }
            Some(frame) = outgoing.recv() => {
                if sink.send(Message::Text(frame.into())).await.is_err() {
                    break;
                }
            }
            () = tick(&mut keep_alive) => {
                if sink.send(Message::Text(json!({"type": "ka"}).to_string().into())).await.is_err() {
                    break;
                }
            }
        }
    }
    api.broker.disconnect(session.id);
}

/// The next keep-alive, never before the connection is acknowledged.
async fn tick(keep_alive: &mut Option<tokio::time::Interval>) {
    match keep_alive {
        Some(interval) => {
            interval.tick().await;
        }
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_header_subprotocol_reads_with_or_without_padding() {
        let text = r#"{"Authorization":"a.b.c","host":"127.0.0.1:3000"}"#;
        let encoded = URL_SAFE_NO_PAD.encode(text);
        let header = decode_header(&encoded).unwrap();
        assert_eq!(header["Authorization"], "a.b.c");
        let padded = base64::engine::general_purpose::URL_SAFE.encode(text);
        assert_eq!(decode_header(&padded).unwrap(), header);
        assert!(decode_header("not base64!").is_none());
        assert!(decode_header(&URL_SAFE_NO_PAD.encode("[1]")).is_none());
    }

    #[test]
    fn handlers_never_see_the_handshakes_credentials() {
        let mut headers = HeaderMap::new();
        headers.insert("host", "127.0.0.1:3000".parse().unwrap());
        headers.insert("sec-websocket-protocol", "header-eyJ9".parse().unwrap());
        headers.insert("authorization", "token".parse().unwrap());
        let request = handler_request(&headers);
        assert_eq!(request.headers.len(), 1);
        assert_eq!(request.headers["host"], "127.0.0.1:3000");
    }
}
