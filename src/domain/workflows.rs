//! What a workflow (the named ticket events Power Automate flows attach to) is written with.

use serde::Deserialize;
use utoipa::ToSchema;

use super::webhooks::{EventFilter, enabled_by_default};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowInput {
    #[schema(min_length = 1, pattern = r"\S")]
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// `ticket` (the default; the only type so far).
    #[serde(default = "ticket_type")]
    #[serde(rename = "type")]
    pub kind: String,
    /// The ticket events that trigger it, and their queues and statuses.
    #[serde(flatten)]
    pub events: EventFilter,
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
}

fn ticket_type() -> String {
    "ticket".into()
}
