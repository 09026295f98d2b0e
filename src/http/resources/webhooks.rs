//! Webhook subscriptions (Admin API v3): create (the secret is shown once), list, change, delete,
//! regenerate the secret, the delivery log, manual redelivery and a test ping.

use axum::{Extension, Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    auth::extractors::AdminCaller,
    domain::webhooks::WebhookInput,
    error::{Error, Result},
    http::extract::{ApiJson, ApiPath},
    http::idempotency::{OneTimeSecret, one_time_secret},
    http::pagination::Page,
    repo::webhooks::{DeliveryRow, WebhookRow},
    service::webhooks,
    state::AppState,
};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookView {
    pub id: String,
    pub description: String,
    pub url: String,
    pub event_types: Vec<String>,
    pub queue_ids: Vec<i32>,
    pub status_ids: Vec<i32>,
    pub enabled: bool,
    /// Failed attempts in a row; after five the subscription rests for 30 minutes.
    pub consecutive_failures: i32,
    pub paused_until: Option<DateTime<Utc>>,
    /// Why deskd disabled it (a 410 from the receiver).
    pub disabled_reason: Option<String>,
    pub created_on: DateTime<Utc>,
    pub modified_on: DateTime<Utc>,
    /// Only in the answer that creates the subscription or regenerates its secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl WebhookView {
    fn new(w: WebhookRow, secret: Option<String>) -> Self {
        Self {
            id: w.id.to_string(),
            description: w.description,
            url: w.url,
            event_types: w.event_types,
            queue_ids: w.queue_ids,
            status_ids: w.status_ids,
            enabled: w.enabled,
            consecutive_failures: w.consecutive_failures,
            paused_until: w.paused_until,
            disabled_reason: w.disabled_reason,
            created_on: w.created_at,
            modified_on: w.updated_at,
            secret,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryView {
    pub id: i64,
    /// The `webhook-id` header: the event's id, the same on every attempt.
    pub event_id: String,
    /// `pending`, `delivered` or `failed`.
    pub state: String,
    pub attempts: i32,
    pub next_attempt_on: Option<DateTime<Utc>>,
    pub created_on: DateTime<Utc>,
    pub delivered_on: Option<DateTime<Utc>>,
    /// The last attempt: status code, latency, error and the first bytes of the answer.
    pub last_status_code: Option<i32>,
    pub last_latency_ms: Option<i32>,
    pub last_error: Option<String>,
    pub last_response: Option<String>,
}

impl From<DeliveryRow> for DeliveryView {
    fn from(d: DeliveryRow) -> Self {
        Self {
            id: d.id,
            event_id: d.event_id.to_string(),
            next_attempt_on: (d.state == "pending").then_some(d.next_attempt_at),
            state: d.state,
            attempts: d.attempts,
            created_on: d.created_at,
            delivered_on: d.delivered_at,
            last_status_code: d.last_status_code,
            last_latency_ms: d.last_latency_ms,
            last_error: d.last_error,
            last_response: d.last_response_head,
        }
    }
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_webhooks, create_webhook))
        .routes(routes!(get_webhook, replace_webhook, delete_webhook))
        .routes(routes!(regenerate_webhook_secret))
        .routes(routes!(list_webhook_deliveries))
        .routes(routes!(redeliver_webhook_delivery))
        .routes(routes!(ping_webhook))
        .routes(routes!(resume_webhook))
}

fn webhook_id(id: &str) -> Result<Uuid> {
    Uuid::parse_str(id).map_err(|_| Error::not_found("webhook"))
}

/// Subscribe a URL to events. The answer carries the signing secret, shown this once.
#[utoipa::path(post, path = "/webhooks", request_body = WebhookInput, responses((status = 201, body = WebhookView)))]
pub async fn create_webhook(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiJson(input): ApiJson<WebhookInput>,
) -> Result<(StatusCode, Extension<OneTimeSecret>, Json<WebhookView>)> {
    let (row, secret) = webhooks::create(&state, &caller.tenant, input).await?;
    Ok((
        StatusCode::CREATED,
        one_time_secret(),
        Json(WebhookView::new(row, Some(secret))),
    ))
}

#[utoipa::path(get, path = "/webhooks", responses((status = 200, body = Page<WebhookView>)))]
pub async fn list_webhooks(
    State(state): State<AppState>,
    caller: AdminCaller,
) -> Result<Json<Page<WebhookView>>> {
    let rows = webhooks::list(&state, &caller.tenant).await?;
    Ok(Json(Page::whole(
        rows.into_iter()
            .map(|w| WebhookView::new(w, None))
            .collect(),
    )))
}

#[utoipa::path(get, path = "/webhooks/{webhookId}", params(("webhookId" = String, Path)), responses((status = 200, body = WebhookView)))]
pub async fn get_webhook(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<WebhookView>> {
    let row = webhooks::get(&state, &caller.tenant, webhook_id(&id)?).await?;
    Ok(Json(WebhookView::new(row, None)))
}

/// Replace a subscription's settings; saving it enabled ends a rest after failures.
#[utoipa::path(put, path = "/webhooks/{webhookId}", params(("webhookId" = String, Path)), request_body = WebhookInput, responses((status = 200, body = WebhookView)))]
pub async fn replace_webhook(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<WebhookInput>,
) -> Result<Json<WebhookView>> {
    let row = webhooks::replace(&state, &caller.tenant, webhook_id(&id)?, input).await?;
    Ok(Json(WebhookView::new(row, None)))
}

#[utoipa::path(delete, path = "/webhooks/{webhookId}", params(("webhookId" = String, Path)), responses((status = 204)))]
pub async fn delete_webhook(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode> {
    webhooks::delete(&state, &caller.tenant, webhook_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Replace the signing secret; the new one is shown this once and signs from now on.
#[utoipa::path(post, path = "/webhooks/{webhookId}/secret", params(("webhookId" = String, Path)), responses((status = 200, body = WebhookView)))]
pub async fn regenerate_webhook_secret(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<String>,
) -> Result<(Extension<OneTimeSecret>, Json<WebhookView>)> {
    let id = webhook_id(&id)?;
    let secret = webhooks::regenerate_secret(&state, &caller.tenant, id).await?;
    let row = webhooks::get(&state, &caller.tenant, id).await?;
    Ok((one_time_secret(), Json(WebhookView::new(row, Some(secret)))))
}

/// The latest 100 deliveries, newest first, with their last attempt.
#[utoipa::path(get, path = "/webhooks/{webhookId}/deliveries", params(("webhookId" = String, Path)), responses((status = 200, body = Page<DeliveryView>)))]
pub async fn list_webhook_deliveries(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Page<DeliveryView>>> {
    let rows = webhooks::deliveries(&state, &caller.tenant, webhook_id(&id)?).await?;
    Ok(Json(Page::whole(
        rows.into_iter().map(Into::into).collect(),
    )))
}

/// Send a delivery again now, with the same id and body.
#[utoipa::path(post, path = "/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver", params(("webhookId" = String, Path), ("deliveryId" = i64, Path)), responses((status = 202)))]
pub async fn redeliver_webhook_delivery(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath((id, delivery)): ApiPath<(String, i64)>,
) -> Result<StatusCode> {
    webhooks::redeliver(&state, &caller.tenant, webhook_id(&id)?, delivery).await?;
    Ok(StatusCode::ACCEPTED)
}

/// End a rest after failures now (and forget the failures in a row): the next due delivery is
/// sent at once.
#[utoipa::path(post, path = "/webhooks/{webhookId}/resume", params(("webhookId" = String, Path)), responses((status = 200, body = WebhookView)))]
pub async fn resume_webhook(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<WebhookView>> {
    let row = webhooks::resume(&state, &caller.tenant, webhook_id(&id)?).await?;
    Ok(Json(WebhookView::new(row, None)))
}

/// Queue a `webhook.ping` to this subscription alone.
#[utoipa::path(post, path = "/webhooks/{webhookId}/ping", params(("webhookId" = String, Path)), responses((status = 202)))]
pub async fn ping_webhook(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode> {
    webhooks::ping(&state, &caller.tenant, webhook_id(&id)?).await?;
    Ok(StatusCode::ACCEPTED)
}
