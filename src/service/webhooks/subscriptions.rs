//! Webhook subscriptions for admins: where to send which events. Each has a secret, shown once,
//! that signs every delivery; the checks here also serve flows' and workflows' subscriptions.

use base64::Engine;
use uuid::Uuid;

use crate::{
    domain::{Tenant, webhooks::WebhookInput},
    error::{Error, Kind, Result},
    outbound,
    repo::{
        self,
        webhooks::{DeliveryRow, WebhookFields, WebhookRow},
    },
    service::events::TYPES,
    state::AppState,
};

/// The kind of subscription the Admin webhooks API manages (flows have their own, see `flows`).
pub const WEBHOOK: &str = "webhook";

/// A new secret, as shown once: `whsec_` and the base64 of 32 random bytes.
pub fn new_secret() -> (String, Vec<u8>) {
    let key: [u8; 32] = rand::random();
    let shown = format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(key)
    );
    (shown, key.to_vec())
}

async fn check(state: &AppState, input: &WebhookInput) -> Result<()> {
    check_url(state, &input.url).await?;
    check_event_types(&input.events.event_types, TYPES)?;
    check_description(&input.description)
}

/// An http(s) URL without credentials whose host is public (unless configuration allows private).
pub async fn check_url(state: &AppState, url: &str) -> Result<()> {
    outbound::check_url(url, state.config.webhooks_allow_private).await
}

/// At least one event type, each one of `allowed`: a body field, so a 422 naming it.
pub fn check_event_types(types: &[String], allowed: &[&str]) -> Result<()> {
    if types.is_empty() {
        return Err(Error::validation(
            "eventTypes",
            "name at least one event type",
        ));
    }
    if let Some(bad) = types.iter().find(|t| !allowed.contains(&t.as_str())) {
        return Err(Error::validation(
            "eventTypes",
            format!("unknown event type `{bad}`; known: {}", allowed.join(", ")),
        ));
    }
    Ok(())
}

pub fn check_description(description: &str) -> Result<()> {
    if description.len() > 500 {
        return Err(Error::validation("description", "at most 500 characters"));
    }
    Ok(())
}

fn fields(input: &WebhookInput) -> WebhookFields<'_> {
    WebhookFields {
        description: input.description.trim(),
        url: &input.url,
        event_types: &input.events.event_types,
        queue_ids: &input.events.queue_ids,
        status_ids: &input.events.status_ids,
        enabled: input.enabled,
    }
}

/// Creates a subscription; the secret is answered this once.
pub async fn create(
    state: &AppState,
    tenant: &Tenant,
    input: WebhookInput,
) -> Result<(WebhookRow, String)> {
    check(state, &input).await?;
    let (shown, key) = new_secret();
    let row = repo::webhooks::insert(
        &state.pool,
        tenant.id,
        &fields(&input),
        &state.server_key.seal(&key),
    )
    .await?;
    Ok((row, shown))
}

pub async fn replace(
    state: &AppState,
    tenant: &Tenant,
    id: Uuid,
    input: WebhookInput,
) -> Result<WebhookRow> {
    check(state, &input).await?;
    repo::webhooks::update(&state.pool, tenant.id, id, &fields(&input))
        .await?
        .ok_or_else(|| Error::not_found("webhook"))
}

/// A new secret replaces the old at once; answered this once.
pub async fn regenerate_secret(state: &AppState, tenant: &Tenant, id: Uuid) -> Result<String> {
    let (shown, key) = new_secret();
    if !repo::webhooks::set_secret(&state.pool, tenant.id, id, &state.server_key.seal(&key)).await?
    {
        return Err(Error::not_found("webhook"));
    }
    Ok(shown)
}

pub async fn get(state: &AppState, tenant: &Tenant, id: Uuid) -> Result<WebhookRow> {
    repo::webhooks::get(&state.pool, tenant.id, id)
        .await?
        .ok_or_else(|| Error::not_found("webhook"))
}

pub async fn list(state: &AppState, tenant: &Tenant) -> Result<Vec<WebhookRow>> {
    Ok(repo::webhooks::list(&state.pool, tenant.id, &[WEBHOOK]).await?)
}

/// Lifts a rest at once: the next due delivery is sent now.
pub async fn resume(state: &AppState, tenant: &Tenant, id: Uuid) -> Result<WebhookRow> {
    repo::webhooks::resume(&state.pool, tenant.id, id, &[WEBHOOK])
        .await?
        .ok_or_else(|| Error::not_found("webhook"))
}

pub async fn delete(state: &AppState, tenant: &Tenant, id: Uuid) -> Result<()> {
    if !repo::webhooks::delete(&state.pool, tenant.id, id, &[WEBHOOK]).await? {
        return Err(Error::not_found("webhook"));
    }
    Ok(())
}

pub async fn deliveries(state: &AppState, tenant: &Tenant, id: Uuid) -> Result<Vec<DeliveryRow>> {
    get(state, tenant, id).await?;
    Ok(repo::webhooks::deliveries(&state.pool, tenant.id, id, 100).await?)
}

pub async fn redeliver(state: &AppState, tenant: &Tenant, id: Uuid, delivery: i64) -> Result<()> {
    match repo::webhooks::redeliver(&state.pool, tenant.id, id, delivery)
        .await?
        .as_deref()
    {
        None => Err(Error::not_found("delivery")),
        Some("pending") => Err(Error::new(
            Kind::Conflict,
            "DeliveryPending",
            "this delivery is still being tried",
        )),
        Some(_) => Ok(()),
    }
}

/// Queues a `webhook.ping` event for this subscription alone.
pub async fn ping(state: &AppState, tenant: &Tenant, id: Uuid) -> Result<i64> {
    get(state, tenant, id).await?;
    let event = Uuid::now_v7();
    let body = serde_json::json!([{
        "id": event, "type": "webhook.ping",
        "entity": {"type": "webhook", "id": id},
        "payload": {}, "createdOn": chrono::Utc::now(),
    }])
    .to_string();
    Ok(repo::webhooks::ping(&state.pool, tenant.id, id, &body, event).await?)
}
