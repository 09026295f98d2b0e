//! Companies (accounts): the customers whose contacts raise tickets.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use super::{ListOptions, Slice, ids};
use crate::{domain::TenantId, sql};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Company {
    pub id: i32,
    pub name: String,
    pub identifier: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
}

macro_rules! columns {
    () => {
        "id, name, identifier, created_at, updated_at, archived_at"
    };
}

pub async fn insert(
    conn: &mut PgConnection,
    tenant: TenantId,
    name: &str,
    identifier: &str,
) -> Result<Company, sqlx::Error> {
    let id = ids::next_id(conn, tenant, "company").await?;
    sqlx::query_as(sql!("INSERT INTO companies (tenant_id, id, name, identifier) VALUES ($1, $2, $3, $4) RETURNING ", columns!()))
    .bind(tenant)
    .bind(id)
    .bind(name)
    .bind(identifier)
    .fetch_one(conn)
    .await
}

pub async fn get(
    db: impl sqlx::PgExecutor<'_>,
    tenant: TenantId,
    id: i32,
) -> Result<Option<Company>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT ",
        columns!(),
        " FROM companies WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn list(
    pool: &PgPool,
    tenant: TenantId,
    options: &ListOptions<'_>,
) -> Result<Slice<Company>, sqlx::Error> {
    macro_rules! filter {
        () => {
            "tenant_id = $1 AND ($2 OR archived_at IS NULL)
        AND ($3::text IS NULL OR (name || ' ' || identifier) ILIKE $3)"
        };
    }
    let pattern = options.pattern();
    let rows = sqlx::query_as(sql!(
        "SELECT ",
        columns!(),
        " FROM companies WHERE ",
        filter!(),
        " ORDER BY id OFFSET $4 LIMIT $5"
    ))
    .bind(tenant)
    .bind(options.include_archived)
    .bind(&pattern)
    .bind(options.skip)
    .bind(options.take)
    .fetch_all(pool)
    .await?;
    let total = sqlx::query_scalar(sql!("SELECT count(*) FROM companies WHERE ", filter!()))
        .bind(tenant)
        .bind(options.include_archived)
        .bind(&pattern)
        .fetch_one(pool)
        .await?;
    Ok(Slice { rows, total })
}

pub async fn update(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
    name: &str,
    identifier: &str,
) -> Result<Option<Company>, sqlx::Error> {
    sqlx::query_as(sql!(
        "UPDATE companies SET name = $3, identifier = $4, updated_at = now()
         WHERE tenant_id = $1 AND id = $2 AND archived_at IS NULL RETURNING ",
        columns!()
    ))
    .bind(tenant)
    .bind(id)
    .bind(name)
    .bind(identifier)
    .fetch_optional(conn)
    .await
}

pub async fn set_archived(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
    archived: bool,
) -> Result<Option<Company>, sqlx::Error> {
    sqlx::query_as(sql!("UPDATE companies SET archived_at = CASE WHEN $3 THEN coalesce(archived_at, now()) END, updated_at = now()
         WHERE tenant_id = $1 AND id = $2 RETURNING ", columns!()))
    .bind(tenant)
    .bind(id)
    .bind(archived)
    .fetch_optional(conn)
    .await
}

/// True when a live company with this id exists in the tenant.
pub async fn exists(pool: &PgPool, tenant: TenantId, id: i32) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(sql!("SELECT EXISTS (SELECT 1 FROM companies WHERE tenant_id = $1 AND id = $2 AND archived_at IS NULL)"))
        .bind(tenant)
        .bind(id)
        .fetch_one(pool)
        .await
}
