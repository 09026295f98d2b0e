//! Queues (boards): where tickets are worked. Their statuses are in `statuses`.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use super::{Table, next_id};
use crate::{domain::TenantId, sql};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Queue {
    pub id: i32,
    pub name: String,
    pub description: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
}

macro_rules! select {
    () => {
        "SELECT id, name, description, created_at, updated_at, archived_at FROM queues"
    };
}

pub async fn insert(
    conn: &mut PgConnection,
    tenant: TenantId,
    name: &str,
    description: &str,
) -> Result<Queue, sqlx::Error> {
    let id = next_id(conn, Table::Queues, tenant).await?;
    sqlx::query_as(sql!(
        "INSERT INTO queues (tenant_id, id, name, description) VALUES ($1, $2, $3, $4)
         RETURNING id, name, description, created_at, updated_at, archived_at"
    ))
    .bind(tenant)
    .bind(id)
    .bind(name)
    .bind(description)
    .fetch_one(conn)
    .await
}

pub async fn get(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
) -> Result<Option<Queue>, sqlx::Error> {
    sqlx::query_as(sql!(select!(), " WHERE tenant_id = $1 AND id = $2"))
        .bind(tenant)
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn list(
    pool: &PgPool,
    tenant: TenantId,
    include_archived: bool,
) -> Result<Vec<Queue>, sqlx::Error> {
    sqlx::query_as(sql!(
        select!(),
        " WHERE tenant_id = $1 AND ($2 OR archived_at IS NULL) ORDER BY id"
    ))
    .bind(tenant)
    .bind(include_archived)
    .fetch_all(pool)
    .await
}

pub async fn update(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
    name: &str,
    description: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "UPDATE queues SET name = $3, description = $4, updated_at = now() WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .bind(name)
    .bind(description)
    .execute(conn)
    .await?;
    Ok(())
}
