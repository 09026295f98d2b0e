//! Broadcasts and who dismissed them.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use crate::{domain::TenantId, sql};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct BroadcastRow {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub audience: String,
    pub company_ids: Vec<i32>,
    pub group_ids: Vec<i32>,
    pub expires_at: Option<DateTime<Utc>>,
    pub also_email: bool,
    pub created_at: DateTime<Utc>,
}

pub struct NewBroadcast<'a> {
    pub title: &'a str,
    pub body: &'a str,
    pub audience: &'a str,
    pub company_ids: &'a [i32],
    pub group_ids: &'a [i32],
    pub expires_at: Option<DateTime<Utc>>,
    pub sent_by: &'a str,
    pub also_email: bool,
}

macro_rules! columns {
    () => {
        "id, title, body, audience, company_ids, group_ids, expires_at, also_email, created_at"
    };
}

pub async fn insert(
    conn: &mut PgConnection,
    tenant: TenantId,
    b: &NewBroadcast<'_>,
) -> Result<BroadcastRow, sqlx::Error> {
    sqlx::query_as(sql!("INSERT INTO broadcasts (tenant_id, title, body, audience, company_ids, group_ids, expires_at, sent_by, also_email)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ", columns!()))
    .bind(tenant)
    .bind(b.title)
    .bind(b.body)
    .bind(b.audience)
    .bind(b.company_ids)
    .bind(b.group_ids)
    .bind(b.expires_at)
    .bind(b.sent_by)
    .bind(b.also_email)
    .fetch_one(conn)
    .await
}

/// Every broadcast of the tenant, newest first (for admins).
pub async fn list(pool: &PgPool, tenant: TenantId) -> Result<Vec<BroadcastRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT ",
        columns!(),
        " FROM broadcasts WHERE tenant_id = $1 ORDER BY id DESC"
    ))
    .bind(tenant)
    .fetch_all(pool)
    .await
}

pub async fn delete(pool: &PgPool, tenant: TenantId, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(sql!(
        "DELETE FROM broadcasts WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The live broadcasts meant for a contact (everyone, their company, or a group they belong to)
/// that they have not dismissed, newest first. With `only`, just that one.
pub async fn for_contact(
    pool: &PgPool,
    tenant: TenantId,
    contact: i32,
    company: i32,
    only: Option<i64>,
) -> Result<Vec<BroadcastRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT ",
        columns!(),
        " FROM broadcasts b
         WHERE b.tenant_id = $1 AND ($4::bigint IS NULL OR b.id = $4)
           AND (b.expires_at IS NULL OR b.expires_at > now())
           AND (b.audience = 'everyone'
                OR (b.audience = 'companies' AND $3 = ANY (b.company_ids))
                OR (b.audience = 'groups' AND EXISTS (
                        SELECT 1 FROM contact_group_members m
                        WHERE m.tenant_id = b.tenant_id AND m.contact_id = $2
                          AND m.group_id = ANY (b.group_ids))))
           AND NOT EXISTS (SELECT 1 FROM broadcast_dismissals d
                           WHERE d.tenant_id = b.tenant_id AND d.broadcast_id = b.id
                             AND d.contact_id = $2)
         ORDER BY b.id DESC"
    ))
    .bind(tenant)
    .bind(contact)
    .bind(company)
    .bind(only)
    .fetch_all(pool)
    .await
}

pub async fn dismiss(
    pool: &PgPool,
    tenant: TenantId,
    broadcast: i64,
    contact: i32,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "INSERT INTO broadcast_dismissals (tenant_id, broadcast_id, contact_id) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING"
    ))
    .bind(tenant)
    .bind(broadcast)
    .bind(contact)
    .execute(pool)
    .await?;
    Ok(())
}

/// How many of `ids` are live companies of the tenant.
pub async fn live_companies(
    pool: &PgPool,
    tenant: TenantId,
    ids: &[i32],
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(sql!("SELECT count(*) FROM companies WHERE tenant_id = $1 AND id = ANY ($2) AND archived_at IS NULL"))
    .bind(tenant)
    .bind(ids)
    .fetch_one(pool)
    .await
}

/// How many of `ids` are live contact groups of the tenant.
pub async fn live_groups(pool: &PgPool, tenant: TenantId, ids: &[i32]) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(sql!("SELECT count(*) FROM contact_groups WHERE tenant_id = $1 AND id = ANY ($2) AND archived_at IS NULL"))
    .bind(tenant)
    .bind(ids)
    .fetch_one(pool)
    .await
}
