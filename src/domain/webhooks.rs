//! What webhook subscriptions are written with, and the event filter every subscription (a
//! webhook, a workflow) shares.

use serde::Deserialize;
use utoipa::ToSchema;

/// Which events a subscription wants: their types, and for ticket events the queues and statuses
/// of the ticket.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventFilter {
    /// Which events to send (see the change feed for the list).
    pub event_types: Vec<String>,
    /// Only tickets in these queues (none: any).
    #[serde(default)]
    pub queue_ids: Vec<i32>,
    /// Only tickets in these statuses (none: any).
    #[serde(default)]
    pub status_ids: Vec<i32>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookInput {
    #[serde(default)]
    pub description: String,
    /// `http` or `https`; private and loopback addresses are refused.
    pub url: String,
    #[serde(flatten)]
    pub events: EventFilter,
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
}

/// Subscriptions and workflows start enabled unless the request says otherwise.
pub fn enabled_by_default() -> bool {
    true
}
