//! What broadcasts are written with: a message to everyone, to chosen companies or to contact
//! groups.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::ToSchema;

/// Who a broadcast is for.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    Everyone,
    Companies,
    Groups,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BroadcastInput {
    /// 1 to 200 characters.
    #[schema(min_length = 1, pattern = r"\S")]
    pub title: String,
    /// Markdown, up to 4000 characters.
    #[serde(default)]
    pub body: String,
    pub audience: Audience,
    /// The companies, for `companies`.
    #[serde(default)]
    pub company_ids: Vec<i32>,
    /// The contact groups, for `groups`.
    #[serde(default)]
    pub group_ids: Vec<i32>,
    /// When it stops showing; never, when absent.
    #[serde(default)]
    pub expires_on: Option<DateTime<Utc>>,
    /// Also mail it to each contact it is for (when the tenant sends mail; contacts can refuse).
    #[serde(default)]
    pub also_email: bool,
}
