//! Webhook subscriptions (a webhook, or a Power Automate flow: see `repo::flows`), their
//! deliveries and each delivery's attempts.

/// The columns of a [`WebhookRow`](subscriptions::WebhookRow).
macro_rules! columns {
    () => {
        "id, kind, description, url, event_types, queue_ids, status_ids, enabled,
    consecutive_failures, paused_until, disabled_reason, workflow_id, priority_ids, company_ids,
    created_at, updated_at"
    };
}
pub(crate) use columns;

pub mod deliveries;
pub mod subscriptions;

pub use deliveries::*;
pub use subscriptions::*;
