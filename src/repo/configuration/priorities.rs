//! Ticket priorities; at most one live priority is the default.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use super::{Table, next_id};
use crate::{domain::TenantId, sql};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Priority {
    pub id: i32,
    pub name: String,
    pub sort_order: i32,
    pub colour: String,
    pub is_default: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
}

pub struct PriorityFields<'a> {
    pub name: &'a str,
    pub sort_order: i32,
    pub colour: &'a str,
    pub is_default: bool,
}

macro_rules! columns {
    () => {
        "id, name, sort_order, colour, is_default, created_at, updated_at, archived_at"
    };
}

/// Inserts a priority as given: the caller sees that at most one is the default (`update` takes
/// the mark from the others).
pub async fn insert(
    conn: &mut PgConnection,
    tenant: TenantId,
    f: &PriorityFields<'_>,
) -> Result<Priority, sqlx::Error> {
    let id = next_id(conn, Table::Priorities, tenant).await?;
    sqlx::query_as(sql!(
        "INSERT INTO priorities (tenant_id, id, name, sort_order, colour, is_default)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING ",
        columns!()
    ))
    .bind(tenant)
    .bind(id)
    .bind(f.name)
    .bind(f.sort_order)
    .bind(f.colour)
    .bind(f.is_default)
    .fetch_one(conn)
    .await
}

pub async fn get(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
) -> Result<Option<Priority>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT ",
        columns!(),
        " FROM priorities WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(conn)
    .await
}

pub async fn list(
    pool: &PgPool,
    tenant: TenantId,
    include_archived: bool,
) -> Result<Vec<Priority>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT ",
        columns!(),
        " FROM priorities WHERE tenant_id = $1 AND ($2 OR archived_at IS NULL) ORDER BY sort_order, id"
    ))
    .bind(tenant)
    .bind(include_archived)
    .fetch_all(pool)
    .await
}

/// Replaces a priority's fields; making it the default takes the mark from the others.
pub async fn update(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
    f: &PriorityFields<'_>,
) -> Result<(), sqlx::Error> {
    if f.is_default {
        sqlx::query(sql!(
            "UPDATE priorities SET is_default = false, updated_at = now()
             WHERE tenant_id = $1 AND id <> $2 AND is_default"
        ))
        .bind(tenant)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query(sql!(
        "UPDATE priorities SET name = $3, sort_order = $4, colour = $5, is_default = $6, updated_at = now()
         WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .bind(f.name)
    .bind(f.sort_order)
    .bind(f.colour)
    .bind(f.is_default)
    .execute(conn)
    .await?;
    Ok(())
}

/// The default priority, if a live one is marked.
pub async fn default_id(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Option<i32>, sqlx::Error> {
    sqlx::query_scalar(sql!(
        "SELECT id FROM priorities WHERE tenant_id = $1 AND is_default AND archived_at IS NULL"
    ))
    .bind(tenant)
    .fetch_optional(conn)
    .await
}
