//! Workflows: named ticket events with filters, which Power Automate flows attach to.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::like_pattern;
use crate::{domain::TenantId, sql};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct WorkflowRow {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub event_types: Vec<String>,
    pub queue_ids: Vec<i32>,
    pub status_ids: Vec<i32>,
    pub enabled: bool,
    /// How many flows are attached.
    pub flows: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub struct WorkflowFields<'a> {
    pub name: String,
    pub description: &'a str,
    pub event_types: &'a [String],
    pub queue_ids: &'a [i32],
    pub status_ids: &'a [i32],
    pub enabled: bool,
}

macro_rules! columns {
    () => {
        "f.id, f.name, f.description, f.event_types, f.queue_ids, f.status_ids,
    f.enabled, f.created_at, f.updated_at,
    (SELECT count(*) FROM webhooks w WHERE w.tenant_id = f.tenant_id AND w.workflow_id = f.id) AS flows"
    };
}

pub async fn insert(
    pool: &PgPool,
    tenant: TenantId,
    w: &WorkflowFields<'_>,
) -> Result<WorkflowRow, sqlx::Error> {
    sqlx::query_as(sql!("WITH f AS (
             INSERT INTO workflows (tenant_id, id, name, description, event_types, queue_ids, status_ids, enabled)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *)
         SELECT ", columns!(), " FROM f"))
    .bind(tenant)
    .bind(Uuid::now_v7())
    .bind(&w.name)
    .bind(w.description)
    .bind(w.event_types)
    .bind(w.queue_ids)
    .bind(w.status_ids)
    .bind(w.enabled)
    .fetch_one(pool)
    .await
}

pub async fn update(
    pool: &PgPool,
    tenant: TenantId,
    id: Uuid,
    w: &WorkflowFields<'_>,
) -> Result<Option<WorkflowRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "WITH f AS (
             UPDATE workflows SET name = $3, description = $4, event_types = $5, queue_ids = $6,
                 status_ids = $7, enabled = $8, updated_at = now()
             WHERE tenant_id = $1 AND id = $2 RETURNING *)
         SELECT ",
        columns!(),
        " FROM f"
    ))
    .bind(tenant)
    .bind(id)
    .bind(&w.name)
    .bind(w.description)
    .bind(w.event_types)
    .bind(w.queue_ids)
    .bind(w.status_ids)
    .bind(w.enabled)
    .fetch_optional(pool)
    .await
}

pub async fn get(
    pool: &PgPool,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<WorkflowRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT ",
        columns!(),
        " FROM workflows f WHERE f.tenant_id = $1 AND f.id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// By name; `search` narrows to names containing it.
pub async fn list(
    pool: &PgPool,
    tenant: TenantId,
    search: Option<&str>,
) -> Result<Vec<WorkflowRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT ",
        columns!(),
        " FROM workflows f
         WHERE f.tenant_id = $1 AND ($2::text IS NULL OR f.name ILIKE $2)
         ORDER BY lower(f.name), f.id"
    ))
    .bind(tenant)
    .bind(search.map(like_pattern))
    .fetch_all(pool)
    .await
}

pub async fn delete(pool: &PgPool, tenant: TenantId, id: Uuid) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(sql!(
        "DELETE FROM workflows WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}
