//! The running emulators, as seen by one test.

use shared::aws::SdkConfig;

/// Variables that `scripts/emulators.sh start` writes to `.local/emulators.env`.
const REQUIRED_ENV: [&str; 4] = [
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL_SQS",
    "AWS_ENDPOINT_URL_SECRETS_MANAGER",
    "BANK_MOTO_ENDPOINT",
];

/// Clients for every emulated service, built from the environment exactly as a
/// Lambda builds them.
#[derive(Debug, Clone)]
pub struct TestStack {
    pub config: SdkConfig,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub streams: aws_sdk_dynamodbstreams::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub sns: aws_sdk_sns::Client,
    pub sesv2: aws_sdk_sesv2::Client,
    pub cognito: aws_sdk_cognitoidentityprovider::Client,
    pub secretsmanager: aws_sdk_secretsmanager::Client,
    /// Base URL of moto's server, for `/moto-api/data.json` and the JWKS.
    pub moto_endpoint: String,
    pub http: reqwest::Client,
}

impl TestStack {
    /// Connects to the running emulators.
    ///
    /// # Panics
    /// When the emulators' variables are missing: run the tests through `make test`,
    /// or `scripts/emulators.sh start && source .local/emulators.env` first.
    pub async fn connect() -> Self {
        let missing: Vec<&str> = REQUIRED_ENV
            .into_iter()
            .filter(|name| std::env::var(name).map_or(true, |v| v.is_empty()))
            .collect();
        assert!(
            missing.is_empty(),
            "the local emulators are not configured ({} unset): run `make test`, or \
             `scripts/emulators.sh start && source .local/emulators.env` before `cargo test`",
            missing.join(", ")
        );
        let moto_endpoint = std::env::var("BANK_MOTO_ENDPOINT").unwrap_or_default();
        let config = shared::aws::load_config().await;
        Self {
            dynamodb: shared::aws::dynamodb(&config),
            streams: aws_sdk_dynamodbstreams::Client::new(config.sdk()),
            sqs: shared::aws::sqs(&config),
            sns: shared::aws::sns(&config),
            sesv2: shared::aws::sesv2(&config),
            cognito: shared::aws::cognito(&config),
            secretsmanager: shared::aws::secretsmanager(&config),
            config,
            moto_endpoint,
            http: reqwest::Client::new(),
        }
    }
}

impl TestStack {
    /// The first message to arrive on `queue_url` within `tries` one-second long
    /// polls, its body read as JSON (left on the queue).
    pub async fn first_message(&self, queue_url: &str, tries: usize) -> Option<serde_json::Value> {
        for _ in 0..tries {
            let received = self
                .sqs
                .receive_message()
                .queue_url(queue_url)
                .wait_time_seconds(1)
                .send()
                .await
                .unwrap_or_else(|e| panic!("ReceiveMessage: {e:?}"));
            if let Some(message) = received.messages().first() {
                return serde_json::from_str(message.body().unwrap_or("null")).ok();
            }
        }
        None
    }

    /// A fresh page token secret in Secrets Manager (random, as the template's
    /// `GenerateSecretString`): its ARN.
    pub async fn create_page_token_secret(&self) -> String {
        let value = self
            .secretsmanager
            .get_random_password()
            .password_length(64)
            .exclude_punctuation(true)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GetRandomPassword: {e:?}"));
        let created = self
            .secretsmanager
            .create_secret()
            .name(unique_name("page-token-key"))
            .secret_string(value.random_password().unwrap_or_default())
            .send()
            .await
            .unwrap_or_else(|e| panic!("CreateSecret: {e:?}"));
        created.arn().unwrap_or_default().to_owned()
    }

    /// A page token sealer keyed by a fresh secret, read back the way a listing
    /// function reads its key at init.
    pub async fn page_sealer(&self) -> shared::paging::PageSealer {
        let arn = self.create_page_token_secret().await;
        shared::paging::secret::load(&self.config, &arn)
            .await
            .unwrap_or_else(|e| panic!("page token key: {e}"))
    }

    /// A fresh SQS queue: (URL, ARN).
    pub async fn create_queue(&self, prefix: &str) -> (String, String) {
        use aws_sdk_sqs::types::QueueAttributeName;
        let created = self
            .sqs
            .create_queue()
            .queue_name(unique_name(prefix))
            .send()
            .await
            .unwrap_or_else(|e| panic!("CreateQueue: {e:?}"));
        let url = created.queue_url().unwrap_or_default().to_owned();
        let attributes = self
            .sqs
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GetQueueAttributes: {e:?}"));
        let arn = attributes
            .attributes()
            .and_then(|a| a.get(&QueueAttributeName::QueueArn))
            .cloned()
            .unwrap_or_default();
        (url, arn)
    }
}

/// A resource name no other test uses: `prefix-<uuid>` (DynamoDB, SQS and Cognito
/// all accept it).
pub fn unique_name(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}
