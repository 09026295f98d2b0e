use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::domain::TenantId;

/// For each key, the failures in the last minute and when the oldest of them happened.
pub async fn recent(
    pool: &PgPool,
    tenant: TenantId,
    keys: &[String],
) -> Result<Vec<(i64, DateTime<Utc>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT count(*), min(failed_at) FROM login_failures
         WHERE tenant_id = $1 AND throttle_key = ANY($2) AND failed_at > now() - interval '1 minute'
         GROUP BY throttle_key",
    )
    .bind(tenant)
    .bind(keys)
    .fetch_all(pool)
    .await
}

pub async fn record(pool: &PgPool, tenant: TenantId, keys: &[String]) -> Result<(), sqlx::Error> {
    sqlx::query(
        "WITH expired AS (
             DELETE FROM login_failures
             WHERE tenant_id = $1 AND throttle_key = ANY($2) AND failed_at < now() - interval '1 minute'
         )
         INSERT INTO login_failures (tenant_id, throttle_key) SELECT $1, unnest($2::text[])",
    )
    .bind(tenant)
    .bind(keys)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn clear(pool: &PgPool, tenant: TenantId, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_failures WHERE tenant_id = $1 AND throttle_key = $2")
        .bind(tenant)
        .bind(key)
        .execute(pool)
        .await?;
    Ok(())
}
