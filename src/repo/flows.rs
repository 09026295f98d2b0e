//! Power Automate flows' subscriptions: webhook rows of their own kinds, each removed by the
//! token its flow was given.

use sqlx::PgPool;
use uuid::Uuid;

use super::webhooks::{WebhookRow, columns};
use crate::{domain::TenantId, sql};

/// What a flow's subscription holds besides its URL: its kind, what it listens to, and the hash
/// of the token that removes it.
pub struct FlowFields<'a> {
    pub kind: &'a str,
    pub description: &'a str,
    pub url: &'a str,
    pub event_types: &'a [String],
    pub queue_ids: &'a [i32],
    pub status_ids: &'a [i32],
    pub priority_ids: &'a [i32],
    pub company_ids: &'a [i32],
    pub workflow_id: Option<Uuid>,
}

pub async fn insert(
    pool: &PgPool,
    tenant: TenantId,
    f: &FlowFields<'_>,
    token_hash: &[u8],
    secret_sealed: &[u8],
) -> Result<WebhookRow, sqlx::Error> {
    sqlx::query_as(sql!(
        "INSERT INTO webhooks (tenant_id, id, kind, description, url, event_types, queue_ids,
             status_ids, priority_ids, company_ids, workflow_id, token_hash, secret_sealed)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING ",
        columns!()
    ))
    .bind(tenant)
    .bind(Uuid::now_v7())
    .bind(f.kind)
    .bind(f.description)
    .bind(f.url)
    .bind(f.event_types)
    .bind(f.queue_ids)
    .bind(f.status_ids)
    .bind(f.priority_ids)
    .bind(f.company_ids)
    .bind(f.workflow_id)
    .bind(token_hash)
    .bind(secret_sealed)
    .fetch_one(pool)
    .await
}

/// Removes a flow's subscription when the token matches; `workflow` must match as well when given.
pub async fn delete_by_token(
    pool: &PgPool,
    tenant: TenantId,
    kind: &str,
    id: Uuid,
    workflow: Option<Uuid>,
    token_hash: &[u8],
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(sql!(
        "DELETE FROM webhooks WHERE tenant_id = $1 AND kind = $2 AND id = $3
             AND workflow_id IS NOT DISTINCT FROM $4 AND token_hash = $5"
    ))
    .bind(tenant)
    .bind(kind)
    .bind(id)
    .bind(workflow)
    .bind(token_hash)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}
