//! Subscriptions: where to send which events, with the secret that signs them.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::{domain::TenantId, sql};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct WebhookRow {
    pub id: Uuid,
    /// `webhook`, or a Power Automate flow's subscription: `ticket_flow`, `workflow_flow`.
    pub kind: String,
    pub description: String,
    pub url: String,
    pub event_types: Vec<String>,
    pub queue_ids: Vec<i32>,
    pub status_ids: Vec<i32>,
    pub enabled: bool,
    pub consecutive_failures: i32,
    pub paused_until: Option<DateTime<Utc>>,
    pub disabled_reason: Option<String>,
    /// Flows only: their workflow, and their priority and company filters.
    pub workflow_id: Option<Uuid>,
    pub priority_ids: Vec<i32>,
    pub company_ids: Vec<i32>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub struct WebhookFields<'a> {
    pub description: &'a str,
    pub url: &'a str,
    pub event_types: &'a [String],
    pub queue_ids: &'a [i32],
    pub status_ids: &'a [i32],
    pub enabled: bool,
}

pub async fn insert(
    pool: &PgPool,
    tenant: TenantId,
    f: &WebhookFields<'_>,
    secret_sealed: &[u8],
) -> Result<WebhookRow, sqlx::Error> {
    sqlx::query_as(sql!("INSERT INTO webhooks (tenant_id, id, description, url, event_types, queue_ids, status_ids, enabled, secret_sealed)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ", columns!()))
    .bind(tenant)
    .bind(Uuid::now_v7())
    .bind(f.description)
    .bind(f.url)
    .bind(f.event_types)
    .bind(f.queue_ids)
    .bind(f.status_ids)
    .bind(f.enabled)
    .bind(secret_sealed)
    .fetch_one(pool)
    .await
}

/// Replaces the settings; saving it enabled clears a rest and the failures in a row.
pub async fn update(
    pool: &PgPool,
    tenant: TenantId,
    id: Uuid,
    f: &WebhookFields<'_>,
) -> Result<Option<WebhookRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "UPDATE webhooks SET description = $3, url = $4, event_types = $5, queue_ids = $6,
             status_ids = $7, enabled = $8, updated_at = now(),
             consecutive_failures = CASE WHEN $8 THEN 0 ELSE consecutive_failures END,
             paused_until = CASE WHEN $8 THEN NULL ELSE paused_until END,
             disabled_reason = CASE WHEN $8 THEN NULL ELSE disabled_reason END
         WHERE tenant_id = $1 AND id = $2 AND kind = 'webhook' RETURNING ",
        columns!()
    ))
    .bind(tenant)
    .bind(id)
    .bind(f.description)
    .bind(f.url)
    .bind(f.event_types)
    .bind(f.queue_ids)
    .bind(f.status_ids)
    .bind(f.enabled)
    .fetch_optional(pool)
    .await
}

pub async fn set_secret(
    pool: &PgPool,
    tenant: TenantId,
    id: Uuid,
    secret_sealed: &[u8],
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(sql!(
        "UPDATE webhooks SET secret_sealed = $3, updated_at = now()
         WHERE tenant_id = $1 AND id = $2 AND kind = 'webhook'"
    ))
    .bind(tenant)
    .bind(id)
    .bind(secret_sealed)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn get(
    pool: &PgPool,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<WebhookRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT ",
        columns!(),
        " FROM webhooks WHERE tenant_id = $1 AND id = $2 AND kind = 'webhook'"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// The subscriptions of these kinds, oldest first.
pub async fn list(
    pool: &PgPool,
    tenant: TenantId,
    kinds: &[&str],
) -> Result<Vec<WebhookRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT ",
        columns!(),
        " FROM webhooks WHERE tenant_id = $1 AND kind = ANY($2) ORDER BY created_at, id"
    ))
    .bind(tenant)
    .bind(kinds)
    .fetch_all(pool)
    .await
}

/// Ends a rest now and forgets the failures in a row; `None` when there is no such subscription.
pub async fn resume(
    pool: &PgPool,
    tenant: TenantId,
    id: Uuid,
    kinds: &[&str],
) -> Result<Option<WebhookRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "UPDATE webhooks SET consecutive_failures = 0, paused_until = NULL, updated_at = now()
         WHERE tenant_id = $1 AND id = $2 AND kind = ANY($3) RETURNING ",
        columns!()
    ))
    .bind(tenant)
    .bind(id)
    .bind(kinds)
    .fetch_optional(pool)
    .await
}

pub async fn delete(
    pool: &PgPool,
    tenant: TenantId,
    id: Uuid,
    kinds: &[&str],
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(sql!(
        "DELETE FROM webhooks WHERE tenant_id = $1 AND id = $2 AND kind = ANY($3)"
    ))
    .bind(tenant)
    .bind(id)
    .bind(kinds)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}
