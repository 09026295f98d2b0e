//! What API keys and personal access tokens are made with.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::domain::KeyScope;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewApiKeyInput {
    #[schema(min_length = 1, pattern = r"\S")]
    pub name: String,
    /// `read` keys are refused on unsafe methods; defaults to `read_write`.
    #[serde(default)]
    pub scope: KeyScope,
    /// When the key stops working; never when absent.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewPersonalTokenInput {
    #[schema(min_length = 1, pattern = r"\S")]
    pub name: String,
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}
