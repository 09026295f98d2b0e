//! Live events: what the portal's and tech portal's event streams carry, with who may receive each.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgPool, types::Json};

use crate::{domain::TenantId, sql};

/// Who receives a live event.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Audience {
    pub all_members: bool,
    pub member_ids: Vec<i32>,
    pub contact_ids: Vec<i32>,
}

pub async fn insert(
    conn: &mut PgConnection,
    tenant: TenantId,
    kind: &str,
    payload: &Value,
    to: &Audience,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "INSERT INTO live_events (tenant_id, type, payload, all_members, member_ids, contact_ids)
         VALUES ($1, $2, $3, $4, $5, $6)"
    ))
    .bind(tenant)
    .bind(kind)
    .bind(Json(payload))
    .bind(to.all_members)
    .bind(&to.member_ids)
    .bind(&to.contact_ids)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, sqlx::FromRow)]
pub struct LiveRow {
    pub xid: i64,
    pub seq: i64,
    pub kind: String,
    pub payload: Json<Value>,
    pub all_members: bool,
    pub member_ids: Vec<i32>,
    pub contact_ids: Vec<i32>,
    pub company_id: Option<i32>,
    pub contact_group_id: Option<i32>,
    pub approval: bool,
    /// Every transaction that began before it has ended: nothing can still appear before it.
    pub stable: bool,
    pub created_at: DateTime<Utc>,
}

/// Up to `limit` events after the `(xid, seq)` cursor, in stream order. The stable ones come
/// first; a caller hands those out and looks again for the rest.
pub async fn after(
    pool: &PgPool,
    tenant: TenantId,
    cursor: (i64, i64),
    limit: i64,
) -> Result<Vec<LiveRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT xid::text::bigint AS xid, seq, type AS kind, payload, all_members, member_ids,
                contact_ids, company_id, contact_group_id, approval,
                xid < pg_snapshot_xmin(pg_current_snapshot()) AS stable, created_at
         FROM live_events
         WHERE tenant_id = $1 AND (xid, seq) > ($2::text::xid8, $3)
         ORDER BY xid, seq
         LIMIT $4"
    ))
    .bind(tenant)
    .bind(cursor.0.to_string())
    .bind(cursor.1)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// The position just after the last stable event: where a stream that asks for nothing old starts.
pub async fn tail(pool: &PgPool, tenant: TenantId) -> Result<(i64, i64), sqlx::Error> {
    let row: Option<(i64, i64)> = sqlx::query_as(sql!(
        "SELECT xid::text::bigint, seq FROM live_events
         WHERE tenant_id = $1 AND xid < pg_snapshot_xmin(pg_current_snapshot())
         ORDER BY xid DESC, seq DESC LIMIT 1"
    ))
    .bind(tenant)
    .fetch_optional(pool)
    .await?;
    Ok(row.unwrap_or((0, 0)))
}

/// Whether the event at `cursor` is still kept.
pub async fn exists(
    pool: &PgPool,
    tenant: TenantId,
    cursor: (i64, i64),
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(sql!(
        "SELECT EXISTS (SELECT 1 FROM live_events
                        WHERE tenant_id = $1 AND seq = $2 AND xid = $3::text::xid8)"
    ))
    .bind(tenant)
    .bind(cursor.1)
    .bind(cursor.0.to_string())
    .fetch_one(pool)
    .await
}

/// Forgets events older than `keep_secs`, in stream order: every transaction's events before the
/// first kept one go, so an event that is still kept has every later one kept too.
pub async fn prune(pool: &PgPool, keep_secs: i64) -> Result<u64, sqlx::Error> {
    let deleted = sqlx::query(sql!(
        "DELETE FROM live_events
         WHERE created_at < now() - make_interval(secs => $1)
           AND xid < coalesce(
                 (SELECT min(xid) FROM live_events
                  WHERE created_at >= now() - make_interval(secs => $1)),
                 pg_snapshot_xmin(pg_current_snapshot()))"
    ))
    .bind(keep_secs as f64)
    .execute(pool)
    .await?;
    Ok(deleted.rows_affected())
}
