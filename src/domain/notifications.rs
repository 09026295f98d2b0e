//! What a notification to one person is written with.

use serde::Deserialize;
use utoipa::ToSchema;

/// A notification to send.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotificationInput {
    /// 1 to 200 characters.
    #[schema(min_length = 1, pattern = r"\S")]
    pub title: String,
    /// Markdown, up to 4000 characters.
    #[serde(default)]
    pub body: String,
    /// Where the notification leads: an `http(s)` URL or a path of the portal.
    #[serde(default)]
    pub link: Option<String>,
}
