//! Domain events and the change feed that pages them.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgPool, types::Json};
use uuid::Uuid;

use crate::{domain::TenantId, sql};

pub struct NewEvent<'a> {
    pub kind: &'a str,
    pub entity_type: &'a str,
    pub entity_id: String,
    pub payload: Value,
}

#[derive(Debug, sqlx::FromRow)]
pub struct EventRow {
    /// The transaction that wrote it, then its place in the sequence: the feed's order and cursor.
    pub xid: i64,
    pub seq: i64,
    pub id: Uuid,
    pub kind: String,
    pub entity_type: String,
    pub entity_id: String,
    pub payload: Json<Value>,
    pub created_at: DateTime<Utc>,
}

pub async fn insert(
    conn: &mut PgConnection,
    tenant: TenantId,
    event: &NewEvent<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "INSERT INTO events (tenant_id, id, type, entity_type, entity_id, payload)
         VALUES ($1, $2, $3, $4, $5, $6)"
    ))
    .bind(tenant)
    .bind(Uuid::now_v7())
    .bind(event.kind)
    .bind(event.entity_type)
    .bind(&event.entity_id)
    .bind(Json(&event.payload))
    .execute(conn)
    .await?;
    Ok(())
}

/// Up to `limit` events after `after` (a `(xid, seq)` cursor), oldest first, among those every
/// earlier transaction has finished with; and whether more were ready.
pub async fn after(
    pool: &PgPool,
    tenant: TenantId,
    after: (i64, i64),
    limit: i64,
) -> Result<(Vec<EventRow>, bool), sqlx::Error> {
    let mut rows: Vec<EventRow> = sqlx::query_as(sql!("SELECT xid::text::bigint AS xid, seq, id, type AS kind, entity_type, entity_id, payload, created_at
         FROM events
         WHERE tenant_id = $1 AND (xid, seq) > ($2::text::xid8, $3)
           AND xid < pg_snapshot_xmin(pg_current_snapshot())
         ORDER BY xid, seq
         LIMIT $4"))
    .bind(tenant)
    .bind(after.0.to_string())
    .bind(after.1)
    .bind(limit + 1)
    .fetch_all(pool)
    .await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    Ok((rows, more))
}
