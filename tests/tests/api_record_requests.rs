//! What recording a transaction costs in DynamoDB requests, counted by an SDK
//! interceptor on the function's own client: one conditional PutItem per request once
//! the environment knows the account, replays included; ownership still enforced.

use integration_tests::api::{ApiEvent, Caller, Reply};
use integration_tests::fixture::{ApiFixture, new_key};
use integration_tests::requests::RequestCounter;
use serde_json::json;
use shared::auth::Authenticator;

struct Counted {
    fixture: ApiFixture,
    app: request_transaction::App,
    counter: RequestCounter,
}

impl Counted {
    async fn new() -> Self {
        let fixture = ApiFixture::new().await;
        let counter = RequestCounter::default();
        let config = fixture
            .stack
            .config
            .clone()
            .with_interceptor(counter.clone());
        let app = request_transaction::App::new(Authenticator::new(None), &config, &fixture.tables);
        Self {
            fixture,
            app,
            counter,
        }
    }

    async fn record(&self, caller: &Caller, key: &str, account: &str, amount: &str) -> Reply {
        let event = ApiEvent::from_sample("request-transaction.json")
            .caller(Some(caller))
            .header("Idempotency-Key", Some(key))
            .json_body(&json!({ "accountId": account, "amount": amount, "type": "DEPOSIT" }));
        Reply::from(self.app.handle(event.request()).await)
    }

    fn dynamodb(&self, operation: &str) -> u64 {
        self.counter.count("DynamoDB", operation)
    }
}

#[tokio::test]
async fn after_the_first_request_on_an_account_each_costs_one_put_item() {
    let c = Counted::new().await;
    let alice = Caller::new_user();
    let account = c.fixture.open_account(&alice, "USD").await;

    for i in 0..20 {
        let reply = c
            .record(&alice, &new_key(), &account, &format!("{i}.50"))
            .await;
        assert_eq!(reply.status, 201, "{}", reply.text);
    }
    assert_eq!(c.dynamodb("GetItem"), 1, "{:?}", c.counter.of("DynamoDB"));
    assert_eq!(c.dynamodb("PutItem"), 20);

    // A replay is answered from the failed condition's ALL_OLD: still one request.
    let key = new_key();
    let first = c.record(&alice, &key, &account, "1").await;
    let replay = c.record(&alice, &key, &account, "1").await;
    assert_eq!(replay.status, 201);
    assert_eq!(replay.text, first.text);
    assert_eq!(c.dynamodb("GetItem"), 1);
    assert_eq!(c.dynamodb("PutItem"), 22);
    assert_eq!(c.app.account_lookups().misses, 1);
}

#[tokio::test]
async fn a_cached_account_is_still_refused_to_anyone_but_its_owner() {
    let c = Counted::new().await;
    let (alice, mallory) = (Caller::new_user(), Caller::new_user());
    let account = c.fixture.open_account(&alice, "USD").await;
    assert_eq!(
        c.record(&alice, &new_key(), &account, "5").await.status,
        201
    );

    let foreign = c.record(&mallory, &new_key(), &account, "5").await;
    assert_eq!(foreign.status, 404, "{}", foreign.text);
    // An unknown account is looked up every time, never cached as missing.
    let unknown = uuid::Uuid::new_v4().to_string();
    for _ in 0..2 {
        assert_eq!(
            c.record(&alice, &new_key(), &unknown, "5").await.status,
            404
        );
    }
    assert_eq!(c.dynamodb("GetItem"), 3, "{:?}", c.counter.of("DynamoDB"));
    assert_eq!(
        c.dynamodb("PutItem"),
        1,
        "nothing recorded for a refused request"
    );
}
