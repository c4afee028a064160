//! Creates, on the emulators, every table, queue, topic, user pool, secret, bucket and
//! KMS key `template.yml` declares, recording their physical ids for `!Ref` and
//! `!GetAtt`.

mod bucket;
mod key;
mod secret;
#[cfg(test)]
mod tests;

use aws_sdk_cognitoidentityprovider::types::{ExplicitAuthFlowsType, UsernameAttributeType};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType,
    TimeToLiveSpecification,
};
use aws_sdk_sqs::types::QueueAttributeName;
use serde_json::Value;

use crate::template::{ACCOUNT_ID, REGION, Resolver, Template, scalar};

/// SDK clients for provisioning.
#[derive(Debug, Clone)]
pub struct Clients {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub sns: aws_sdk_sns::Client,
    pub cognito: aws_sdk_cognitoidentityprovider::Client,
    pub sesv2: aws_sdk_sesv2::Client,
    pub secretsmanager: aws_sdk_secretsmanager::Client,
    /// Path-style (see `shared::aws::s3_client`).
    pub s3: aws_sdk_s3::Client,
    pub kms: aws_sdk_kms::Client,
}

impl Clients {
    /// Clients for provisioning and seeding: `config` without its added interceptors.
    pub fn new(config: &shared::aws::SdkConfig) -> Self {
        let plain = config.plain();
        Self {
            dynamodb: shared::aws::dynamodb(&plain),
            sqs: shared::aws::sqs(&plain),
            sns: shared::aws::sns(&plain),
            cognito: shared::aws::cognito(&plain),
            sesv2: shared::aws::sesv2(&plain),
            secretsmanager: shared::aws::secretsmanager(&plain),
            s3: shared::aws::s3_client(&plain),
            kms: shared::aws::kms(&plain),
        }
    }
}

/// A provisioning failure, with the resource it concerns.
#[derive(Debug, thiserror::Error)]
#[error("creating {resource}: {message}")]
pub struct ProvisionError {
    pub resource: String,
    pub message: String,
}

fn fail(resource: &str, error: impl std::fmt::Debug) -> ProvisionError {
    ProvisionError {
        resource: resource.to_owned(),
        message: format!("{error:?}"),
    }
}

fn texts(value: &Value, field: &str) -> Vec<String> {
    value[field]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(scalar)
        .collect()
}

/// Creates everything, filling `resolver` with physical ids and ARNs.
pub async fn provision(
    template: &Template,
    resolver: &mut Resolver,
    clients: &Clients,
) -> Result<(), ProvisionError> {
    for (id, resource) in template.resources("AWS::DynamoDB::Table") {
        let properties = resolver.resolve(&resource["Properties"]);
        create_table(&id, &properties, resolver, clients).await?;
    }
    // Dead-letter queues first: other queues' redrive policies name them.
    let mut queues = template.resources("AWS::SQS::Queue");
    queues.sort_by_key(|(_, q)| !q["Properties"]["RedrivePolicy"].is_null());
    for (id, resource) in queues {
        let properties = resolver.resolve(&resource["Properties"]);
        create_queue(&id, &properties, resolver, clients).await?;
    }
    for (id, _) in template.resources("AWS::SNS::Topic") {
        create_topic(&id, resolver, clients).await?;
    }
    for (id, resource) in template.resources("AWS::SecretsManager::Secret") {
        let properties = resolver.resolve(&resource["Properties"]);
        secret::create_secret(&id, &properties, resolver, clients).await?;
    }
    for (id, resource) in template.resources("AWS::S3::Bucket") {
        let properties = resolver.resolve(&resource["Properties"]);
        bucket::create_bucket(&id, &properties, resolver, &clients.s3).await?;
    }
    for (id, resource) in template.resources("AWS::KMS::Key") {
        let properties = resolver.resolve(&resource["Properties"]);
        key::create_key(&id, &properties, resolver, &clients.kms).await?;
    }
    for (id, resource) in template.resources("AWS::Cognito::UserPool") {
        let properties = resolver.resolve(&resource["Properties"]);
        create_pool(&id, &properties, resolver, clients).await?;
    }
    for (id, resource) in template.resources("AWS::Cognito::UserPoolClient") {
        let properties = resolver.resolve(&resource["Properties"]);
        create_client(&id, &properties, resolver, clients).await?;
    }
    for (id, resource) in template.resources("AWS::Cognito::UserPoolGroup") {
        let properties = resolver.resolve(&resource["Properties"]);
        clients
            .cognito
            .create_group()
            .user_pool_id(scalar(&properties["UserPoolId"]).unwrap_or_default())
            .group_name(scalar(&properties["GroupName"]).unwrap_or_else(|| id.clone()))
            .send()
            .await
            .map_err(|e| fail(&id, e))?;
    }
    Ok(())
}

/// A topic named `<stack>-<logical id>`; `!Ref` and `TopicArn` are its ARN.
async fn create_topic(
    id: &str,
    resolver: &mut Resolver,
    clients: &Clients,
) -> Result<(), ProvisionError> {
    let name = format!("{}-{id}", resolver.stack_name);
    let topic = clients
        .sns
        .create_topic()
        .name(&name)
        .send()
        .await
        .map_err(|e| fail(id, e))?;
    let arn = topic.topic_arn().unwrap_or_default().to_owned();
    resolver.refs.insert(id.to_owned(), arn.clone());
    resolver.attrs.insert(format!("{id}.TopicArn"), arn);
    Ok(())
}

async fn create_table(
    id: &str,
    p: &Value,
    resolver: &mut Resolver,
    clients: &Clients,
) -> Result<(), ProvisionError> {
    let name = scalar(&p["TableName"]).unwrap_or_else(|| format!("{}-{id}", resolver.stack_name));
    let key = |k: &Value| {
        let kind = if k["KeyType"] == "RANGE" {
            KeyType::Range
        } else {
            KeyType::Hash
        };
        KeySchemaElement::builder()
            .attribute_name(scalar(&k["AttributeName"]).unwrap_or_default())
            .key_type(kind)
            .build()
    };
    let mut request = clients
        .dynamodb
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest);
    for a in p["AttributeDefinitions"].as_array().into_iter().flatten() {
        let kind =
            ScalarAttributeType::from(scalar(&a["AttributeType"]).unwrap_or_default().as_str());
        let definition = AttributeDefinition::builder()
            .attribute_name(scalar(&a["AttributeName"]).unwrap_or_default())
            .attribute_type(kind)
            .build()
            .map_err(|e| fail(id, e))?;
        request = request.attribute_definitions(definition);
    }
    for k in p["KeySchema"].as_array().into_iter().flatten() {
        request = request.key_schema(key(k).map_err(|e| fail(id, e))?);
    }
    for g in p["GlobalSecondaryIndexes"].as_array().into_iter().flatten() {
        let projection = ProjectionType::from(
            scalar(&g["Projection"]["ProjectionType"])
                .unwrap_or("ALL".into())
                .as_str(),
        );
        let included = g["Projection"]["NonKeyAttributes"]
            .as_array()
            .map(|names| names.iter().filter_map(scalar).collect());
        let mut index = GlobalSecondaryIndex::builder()
            .index_name(scalar(&g["IndexName"]).unwrap_or_default())
            .projection(
                Projection::builder()
                    .projection_type(projection)
                    .set_non_key_attributes(included)
                    .build(),
            );
        for k in g["KeySchema"].as_array().into_iter().flatten() {
            index = index.key_schema(key(k).map_err(|e| fail(id, e))?);
        }
        request = request.global_secondary_indexes(index.build().map_err(|e| fail(id, e))?);
    }
    if let Some(view) = scalar(&p["StreamSpecification"]["StreamViewType"]) {
        let spec = StreamSpecification::builder()
            .stream_enabled(true)
            .stream_view_type(StreamViewType::from(view.as_str()))
            .build()
            .map_err(|e| fail(id, e))?;
        request = request.stream_specification(spec);
    }
    let description = match request.send().await {
        Ok(created) => created.table_description().cloned(),
        // Emulators left running by an earlier run: reuse the table as it is.
        Err(e) if format!("{e:?}").contains("ResourceInUseException") => {
            tracing::warn!(table = %name, "table exists already: reusing it");
            let described = clients
                .dynamodb
                .describe_table()
                .table_name(&name)
                .send()
                .await
                .map_err(|e| fail(id, e))?;
            described.table().cloned()
        }
        Err(e) => return Err(fail(id, e)),
    };
    let description = description.as_ref();
    if let Some(ttl) = scalar(&p["TimeToLiveSpecification"]["AttributeName"]) {
        let spec = TimeToLiveSpecification::builder()
            .attribute_name(ttl)
            .enabled(true)
            .build()
            .map_err(|e| fail(id, e))?;
        let result = clients
            .dynamodb
            .update_time_to_live()
            .table_name(&name)
            .time_to_live_specification(spec)
            .send()
            .await;
        if let Err(e) = result {
            tracing::warn!(table = %name, error = %aws_sdk_dynamodb::error::DisplayErrorContext(e), "TTL not enabled");
        }
    }
    resolver.attrs.insert(
        format!("{id}.Arn"),
        format!("arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{name}"),
    );
    if let Some(stream) = description.and_then(|d| d.latest_stream_arn()) {
        resolver
            .attrs
            .insert(format!("{id}.StreamArn"), stream.to_owned());
    }
    resolver.refs.insert(id.to_owned(), name);
    Ok(())
}

async fn create_queue(
    id: &str,
    p: &Value,
    resolver: &mut Resolver,
    clients: &Clients,
) -> Result<(), ProvisionError> {
    let name = scalar(&p["QueueName"]).unwrap_or_else(|| format!("{}-{id}", resolver.stack_name));
    let mut request = clients.sqs.create_queue().queue_name(&name);
    for (field, attribute) in [
        ("VisibilityTimeout", QueueAttributeName::VisibilityTimeout),
        (
            "MessageRetentionPeriod",
            QueueAttributeName::MessageRetentionPeriod,
        ),
        (
            "ReceiveMessageWaitTimeSeconds",
            QueueAttributeName::ReceiveMessageWaitTimeSeconds,
        ),
    ] {
        if let Some(value) = scalar(&p[field]) {
            request = request.attributes(attribute, value);
        }
    }
    if p["RedrivePolicy"].is_object() {
        request = request.attributes(
            QueueAttributeName::RedrivePolicy,
            p["RedrivePolicy"].to_string(),
        );
    }
    let url = request
        .send()
        .await
        .map_err(|e| fail(id, e))?
        .queue_url()
        .unwrap_or_default()
        .to_owned();
    let attributes = clients
        .sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(|e| fail(id, e))?;
    let arn = attributes
        .attributes()
        .and_then(|a| a.get(&QueueAttributeName::QueueArn))
        .cloned()
        .unwrap_or_default();
    resolver.attrs.insert(format!("{id}.Arn"), arn);
    resolver.attrs.insert(format!("{id}.QueueName"), name);
    resolver.attrs.insert(format!("{id}.QueueUrl"), url.clone());
    resolver.refs.insert(id.to_owned(), url);
    Ok(())
}

async fn create_pool(
    id: &str,
    p: &Value,
    resolver: &mut Resolver,
    clients: &Clients,
) -> Result<(), ProvisionError> {
    let name =
        scalar(&p["UserPoolName"]).unwrap_or_else(|| format!("{}-{id}", resolver.stack_name));
    let mut request = clients.cognito.create_user_pool().pool_name(name);
    for attribute in texts(p, "UsernameAttributes") {
        request = request.username_attributes(UsernameAttributeType::from(attribute.as_str()));
    }
    let pool = request.send().await.map_err(|e| fail(id, e))?;
    let pool = pool.user_pool();
    let pool_id = pool.and_then(|p| p.id()).unwrap_or_default().to_owned();
    let arn = pool.and_then(|p| p.arn()).map_or_else(
        || format!("arn:aws:cognito-idp:{REGION}:{ACCOUNT_ID}:userpool/{pool_id}"),
        str::to_owned,
    );
    resolver.attrs.insert(format!("{id}.Arn"), arn);
    resolver.attrs.insert(
        format!("{id}.ProviderURL"),
        format!("cognito-idp.{REGION}.amazonaws.com/{pool_id}"),
    );
    resolver.refs.insert(id.to_owned(), pool_id);
    Ok(())
}

async fn create_client(
    id: &str,
    p: &Value,
    resolver: &mut Resolver,
    clients: &Clients,
) -> Result<(), ProvisionError> {
    let mut request = clients
        .cognito
        .create_user_pool_client()
        .user_pool_id(scalar(&p["UserPoolId"]).unwrap_or_default())
        .client_name(scalar(&p["ClientName"]).unwrap_or_else(|| id.to_owned()))
        .generate_secret(false);
    for flow in texts(p, "ExplicitAuthFlows") {
        request = request.explicit_auth_flows(ExplicitAuthFlowsType::from(flow.as_str()));
    }
    for attribute in texts(p, "ReadAttributes") {
        request = request.read_attributes(attribute);
    }
    let client = request.send().await.map_err(|e| fail(id, e))?;
    let client_id = client
        .user_pool_client()
        .and_then(|c| c.client_id())
        .unwrap_or_default()
        .to_owned();
    resolver.refs.insert(id.to_owned(), client_id);
    Ok(())
}
