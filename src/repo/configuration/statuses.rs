//! The statuses of queues. Each queue keeps one open default status and at most one status per
//! approval role.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::{Table, next_id};
use crate::{
    domain::{TenantId, configuration::ApprovalRole},
    sql,
};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Status {
    pub id: i32,
    pub queue_id: i32,
    pub name: String,
    pub is_closed: bool,
    pub is_default: bool,
    pub approval_role: Option<ApprovalRole>,
    pub sort_order: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
}

pub struct StatusFields<'a> {
    pub name: &'a str,
    pub is_closed: bool,
    pub is_default: bool,
    pub approval_role: Option<ApprovalRole>,
    pub sort_order: i32,
}

macro_rules! columns {
    () => {
        "id, queue_id, name, is_closed, is_default, approval_role, sort_order, created_at, updated_at,
         archived_at"
    };
}

pub async fn insert(
    conn: &mut PgConnection,
    tenant: TenantId,
    queue: i32,
    f: &StatusFields<'_>,
) -> Result<Status, sqlx::Error> {
    let id = next_id(conn, Table::Statuses, tenant).await?;
    sqlx::query_as(sql!(
        "INSERT INTO statuses (tenant_id, id, queue_id, name, is_closed, is_default, approval_role, sort_order)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ",
        columns!()
    ))
    .bind(tenant)
    .bind(id)
    .bind(queue)
    .bind(f.name)
    .bind(f.is_closed)
    .bind(f.is_default)
    .bind(f.approval_role)
    .bind(f.sort_order)
    .fetch_one(conn)
    .await
}

pub async fn get(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
) -> Result<Option<Status>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT ",
        columns!(),
        " FROM statuses WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// The statuses of the given queues (all of the tenant's when `queues` is `None`).
pub async fn list(
    conn: &mut PgConnection,
    tenant: TenantId,
    queues: Option<&[i32]>,
    include_archived: bool,
) -> Result<Vec<Status>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT ",
        columns!(),
        " FROM statuses WHERE tenant_id = $1 AND ($2::int[] IS NULL OR queue_id = ANY($2))
         AND ($3 OR archived_at IS NULL) ORDER BY queue_id, sort_order, id"
    ))
    .bind(tenant)
    .bind(queues)
    .bind(include_archived)
    .fetch_all(conn)
    .await
}

pub async fn update(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
    f: &StatusFields<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "UPDATE statuses SET name = $3, is_closed = $4, is_default = $5, approval_role = $6, sort_order = $7,
             updated_at = now()
         WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .bind(f.name)
    .bind(f.is_closed)
    .bind(f.is_default)
    .bind(f.approval_role)
    .bind(f.sort_order)
    .execute(conn)
    .await?;
    Ok(())
}

/// Takes the default mark and the approval role `role` away from the queue's other statuses, so
/// `keep` can hold them.
pub async fn release_marks(
    conn: &mut PgConnection,
    tenant: TenantId,
    queue: i32,
    keep: i32,
    default: bool,
    role: Option<ApprovalRole>,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "UPDATE statuses SET
             is_default = is_default AND NOT $4,
             approval_role = CASE WHEN approval_role = $5 THEN NULL ELSE approval_role END,
             updated_at = now()
         WHERE tenant_id = $1 AND queue_id = $2 AND id <> $3 AND (($4 AND is_default) OR approval_role = $5)"
    ))
    .bind(tenant)
    .bind(queue)
    .bind(keep)
    .bind(default)
    .bind(role)
    .execute(conn)
    .await?;
    Ok(())
}
