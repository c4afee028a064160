//! The WebSocket: connection authorization, subscriptions to one's own channel only,
//! delivery as `data` frames, unsubscribing.

use integration_tests::events::{
    EventsSocket, PROTOCOL, QUIET, WAIT, error_type, header_protocol, holder, http_url,
    post_signed, realtime_url, resigned,
};
use integration_tests::forge::{tampered, unsigned, with_kid};
use integration_tests::gateway::text;
use integration_tests::local::LocalStack;
use serde_json::{Value, json};

use shared::events::publish::Publisher;

use super::{data_frames, event_of, published, subscribed};

#[tokio::test]
async fn stack_json_names_the_endpoints_and_a_connection_is_acknowledged_then_kept_alive() {
    let s = LocalStack::start().await;
    assert_eq!(http_url(&s), format!("{}/event", s.api));
    let realtime = s.api.replacen("http://", "ws://", 1);
    assert_eq!(realtime_url(&s), format!("{realtime}/event/realtime"));
    let alice = holder(&s).await;
    // Amplify connects with the access token; an IdToken is accepted as well.
    for token in [&alice.access_token, &alice.id_token] {
        let mut socket = EventsSocket::open_with(&s, token).await;
        let ack = socket.init().await;
        let expected = json!({"type": "connection_ack", "connectionTimeoutMs": 300_000});
        assert_eq!(ack, expected);
        let ka = socket.next_any(WAIT).await;
        assert_eq!(ka, Some(json!({"type": "ka"})), "a ka follows the ack");
    }
}

#[tokio::test]
async fn a_holder_receives_a_signed_http_publish_on_their_own_channel_as_data_frames() {
    let s = LocalStack::start().await;
    let alice = holder(&s).await;
    let mut socket = EventsSocket::connect(&s, &alice.access_token).await;
    subscribed(
        &mut socket,
        "by-access",
        &alice.channel(),
        &alice.access_token,
    )
    .await;
    subscribed(&mut socket, "by-id", &alice.channel(), &alice.id_token).await;

    let published = [json!({"n": 1, "text": "first"}), json!([2, "second"])];
    let answer = post_signed(&s, &alice.channel(), &published).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.body["failed"], json!([]));
    let successful = answer.body["successful"].as_array().cloned();
    let successful = successful.unwrap_or_default();
    assert_eq!(successful.len(), 2, "{:?}", answer.body);
    for (index, entry) in successful.iter().enumerate() {
        assert_eq!(entry["index"], index);
        let identifier = text(&entry["identifier"]);
        assert!(uuid::Uuid::parse_str(&identifier).is_ok(), "{entry}");
    }
    let frames = data_frames(&mut socket, 4).await;
    for id in ["by-access", "by-id"] {
        let of_id = frames.iter().filter(|f| f["id"] == id);
        let received: Vec<Value> = of_id.map(event_of).collect();
        assert_eq!(received, published, "{id} gets each event once, in order");
    }

    // notify's own publisher (SigV4 from the SDK configuration) is accepted too.
    let publisher = Publisher::new(&http_url(&s), &s.stack.config, s.http.clone());
    let publisher = publisher.unwrap_or_else(|| panic!("credentials"));
    let event = json!({"type": "transaction.completed"});
    let (channel, events) = (alice.channel(), [event.to_string()]);
    let sent = publisher.publish(&channel, &events).await;
    sent.unwrap_or_else(|e| panic!("{e}"));
    let frames = data_frames(&mut socket, 2).await;
    assert!(frames.iter().all(|f| event_of(f) == event), "{frames:?}");
}

#[tokio::test]
async fn subscribing_to_anything_but_ones_own_channel_is_refused() {
    let s = LocalStack::start().await;
    let (alice, bob) = (holder(&s).await, holder(&s).await);
    let mut socket = EventsSocket::connect(&s, &alice.access_token).await;
    let (own, access) = (alice.channel(), alice.access_token.as_str());
    let unauthorized = "UnauthorizedException";
    let refused = [
        (bob.channel(), access, unauthorized),
        (format!("{own}/x"), access, unauthorized),
        ("/users/*".to_owned(), access, unauthorized),
        // Bob's token on Alice's channel: the subscribe's own token decides.
        (own.clone(), bob.id_token.as_str(), unauthorized),
        (own.clone(), &tampered(&alice.id_token), unauthorized),
        ("/*".to_owned(), access, "BadRequestException"),
        (
            format!("/other/{}", alice.sub),
            access,
            "BadRequestException",
        ),
    ];
    for (i, (channel, token, kind)) in refused.iter().enumerate() {
        let id = format!("refused-{i}");
        let answer = socket.subscribe(&id, channel, token).await;
        assert_eq!(answer["type"], "subscribe_error", "{channel}: {answer}");
        assert_eq!(answer["id"], id.as_str());
        assert_eq!(error_type(&answer), *kind, "{channel}: {answer}");
    }
    subscribed(&mut socket, "own", &own, access).await;
    let again = socket.subscribe("own", &own, access).await;
    assert_eq!(again["type"], "subscribe_error", "a duplicate id: {again}");
}

#[tokio::test]
async fn a_holders_events_never_reach_another_holders_connection() {
    let s = LocalStack::start().await;
    let (alice, bob) = (holder(&s).await, holder(&s).await);
    let mut alices = EventsSocket::connect(&s, &alice.access_token).await;
    subscribed(&mut alices, "own", &alice.channel(), &alice.id_token).await;
    let refused = alices
        .subscribe("bob", &bob.channel(), &alice.id_token)
        .await;
    assert_eq!(refused["type"], "subscribe_error", "{refused}");
    let mut bobs = EventsSocket::connect(&s, &bob.id_token).await;
    subscribed(&mut bobs, "own", &bob.channel(), &bob.access_token).await;

    let answer = post_signed(&s, &bob.channel(), &[json!({"for": "bob"})]).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let received = data_frames(&mut bobs, 1).await;
    assert_eq!(event_of(&received[0]), json!({"for": "bob"}));
    assert_eq!(
        alices.next_frame(QUIET).await,
        None,
        "nothing reaches Alice"
    );
}

#[tokio::test]
async fn expired_tampered_forged_or_missing_tokens_get_connection_error_then_a_close() {
    let s = LocalStack::start().await;
    let alice = holder(&s).await;
    // Re-signed with the pool's own key: valid, then the same claims expired.
    let fresh = resigned(&alice.access_token, 3600).await;
    let mut control = EventsSocket::open_with(&s, &fresh).await;
    assert_eq!(control.init().await["type"], "connection_ack");
    let refused = [
        ("expired", resigned(&alice.access_token, -3600).await),
        ("tampered", tampered(&alice.access_token)),
        ("unsigned", unsigned(&alice.id_token)),
        (
            "unknown key",
            with_kid(&alice.id_token, "not-a-key-of-this-pool"),
        ),
        ("not a JWT", "Bearer nothing".to_owned()),
    ];
    let host = http_url(&s)
        .split('/')
        .nth(2)
        .unwrap_or_default()
        .to_owned();
    let mut offers: Vec<(&str, Vec<String>)> = refused
        .iter()
        .map(|(what, token)| {
            (
                *what,
                vec![PROTOCOL.to_owned(), header_protocol(token, &host)],
            )
        })
        .collect();
    offers.push(("no header subprotocol", vec![PROTOCOL.to_owned()]));
    offers.push((
        "an undecodable header",
        vec![PROTOCOL.to_owned(), "header-%%%".to_owned()],
    ));
    for (what, protocols) in offers {
        let mut socket = EventsSocket::open(&s, &protocols)
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        let answer = socket.init().await;
        assert_eq!(answer["type"], "connection_error", "{what}: {answer}");
        assert_eq!(error_type(&answer), "UnauthorizedException", "{what}");
        assert!(
            socket.closes(WAIT).await,
            "{what}: the server closes the connection"
        );
    }
    let header = header_protocol(&alice.access_token, &host);
    assert!(
        EventsSocket::open(&s, &[header]).await.is_err(),
        "without {PROTOCOL} there is no WebSocket"
    );
}

#[tokio::test]
async fn after_unsubscribing_no_more_events_arrive() {
    let s = LocalStack::start().await;
    let alice = holder(&s).await;
    let mut socket = EventsSocket::connect(&s, &alice.access_token).await;
    subscribed(&mut socket, "s1", &alice.channel(), &alice.access_token).await;
    published(&s, &alice.channel(), json!({"n": 1})).await;
    let received = data_frames(&mut socket, 1).await;
    assert_eq!(event_of(&received[0]), json!({"n": 1}));

    socket
        .send(&json!({"type": "unsubscribe", "id": "s1"}))
        .await;
    let answer = socket.next_frame(WAIT).await;
    assert_eq!(
        answer,
        Some(json!({"type": "unsubscribe_success", "id": "s1"}))
    );
    published(&s, &alice.channel(), json!({"n": 2})).await;
    assert_eq!(
        socket.next_frame(QUIET).await,
        None,
        "no data after unsubscribe"
    );

    socket
        .send(&json!({"type": "unsubscribe", "id": "s1"}))
        .await;
    let answer = socket.next_frame(WAIT).await.unwrap_or_default();
    assert_eq!(answer["type"], "unsubscribe_error", "{answer}");
    socket.send(&json!({"type": "start", "id": "x"})).await;
    let answer = socket.next_frame(WAIT).await.unwrap_or_default();
    assert_eq!(answer["type"], "error", "an unknown message type: {answer}");
    // The id is free again.
    subscribed(&mut socket, "s1", &alice.channel(), &alice.id_token).await;
    published(&s, &alice.channel(), json!({"n": 3})).await;
    let received = data_frames(&mut socket, 1).await;
    assert_eq!(event_of(&received[0]), json!({"n": 3}));
}
