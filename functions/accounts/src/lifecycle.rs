//! `POST /accounts/{id}/close` (its owner, when it is empty), `/freeze` and
//! `/unfreeze` (an operator, with a reason, never on their own account): the REST edge
//! of [`shared::app::Bank::change_status`].

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use shared::auth::Identity;
use shared::domain::lifecycle::Lifecycle;
use shared::http::{ApiError, json};

use crate::App;

/// The body of a status change.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusBody {
    #[serde(default)]
    reason: Option<String>,
}

impl App {
    pub(crate) async fn change_status(
        &self,
        request: &Request,
        id: &str,
        action: Lifecycle,
        identity: &Identity,
    ) -> Result<Response<Body>, ApiError> {
        let body: StatusBody = shared::http::optional_json_body(request)?;
        let changed = self
            .ctx
            .bank
            .change_status(&identity.caller(), id, action, body.reason.as_deref())
            .await?;
        Ok(json(StatusCode::OK, &shared::views::account(&changed)))
    }
}
