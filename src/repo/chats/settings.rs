//! The tenant's chat settings (how long before a request is missed) and members' presence.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use crate::{domain::TenantId, sql};

/// Waiting this long for a member makes a chat request missed, unless the tenant says otherwise.
pub const DEFAULT_MISSED_AFTER_SECS: i32 = 300;

pub async fn missed_after(pool: &PgPool, tenant: TenantId) -> Result<i32, sqlx::Error> {
    Ok(sqlx::query_scalar(sql!(
        "SELECT missed_after_secs FROM chat_settings WHERE tenant_id = $1"
    ))
    .bind(tenant)
    .fetch_optional(pool)
    .await?
    .unwrap_or(DEFAULT_MISSED_AFTER_SECS))
}

pub async fn set_missed_after(
    pool: &PgPool,
    tenant: TenantId,
    secs: i32,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "INSERT INTO chat_settings (tenant_id, missed_after_secs) VALUES ($1, $2)
         ON CONFLICT (tenant_id) DO UPDATE SET missed_after_secs = $2"
    ))
    .bind(tenant)
    .bind(secs)
    .execute(pool)
    .await?;
    Ok(())
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PresenceRow {
    pub member_id: i32,
    pub name: String,
    pub status: String,
    pub updated_at: Option<DateTime<Utc>>,
}

pub async fn set_presence(
    conn: &mut PgConnection,
    tenant: TenantId,
    member: i32,
    status: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "INSERT INTO member_presence (tenant_id, member_id, status) VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id, member_id) DO UPDATE SET status = $3, updated_at = now()"
    ))
    .bind(tenant)
    .bind(member)
    .bind(status)
    .execute(conn)
    .await?;
    Ok(())
}

/// Every live member with their presence (`offline` when they never set one).
pub async fn presence(pool: &PgPool, tenant: TenantId) -> Result<Vec<PresenceRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT m.id AS member_id, trim(m.first_name || ' ' || m.last_name) AS name,
                coalesce(p.status, 'offline') AS status, p.updated_at
         FROM members m
         LEFT JOIN member_presence p ON p.tenant_id = m.tenant_id AND p.member_id = m.id
         WHERE m.tenant_id = $1 AND m.archived_at IS NULL
         ORDER BY m.id"
    ))
    .bind(tenant)
    .fetch_all(pool)
    .await
}
