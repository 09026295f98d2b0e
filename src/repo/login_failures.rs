//! Failed sign-ins, counted per account and per address for throttling.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::{domain::TenantId, sql};

/// Writes one attempt under each key; answers the new rows' ids and, for each key, the attempts in
/// the last minute (this one included) and when the oldest of them happened.
pub async fn record_attempt(
    pool: &PgPool,
    tenant: TenantId,
    keys: &[String],
) -> Result<(Vec<i64>, Vec<(i64, DateTime<Utc>)>), sqlx::Error> {
    sqlx::query(sql!("DELETE FROM login_failures WHERE tenant_id = $1 AND failed_at < now() - interval '1 minute'"))
        .bind(tenant)
        .execute(pool)
        .await?;
    let ids = sqlx::query_scalar(sql!("INSERT INTO login_failures (tenant_id, throttle_key) SELECT $1, unnest($2::text[]) RETURNING id"))
    .bind(tenant)
    .bind(keys)
    .fetch_all(pool)
    .await?;
    let counts = sqlx::query_as(sql!(
        "SELECT count(*), min(failed_at) FROM login_failures
         WHERE tenant_id = $1 AND throttle_key = ANY($2) AND failed_at > now() - interval '1 minute'
         GROUP BY throttle_key"
    ))
    .bind(tenant)
    .bind(keys)
    .fetch_all(pool)
    .await?;
    Ok((ids, counts))
}

/// Removes attempts that turned out not to be failures.
pub async fn forget(pool: &PgPool, tenant: TenantId, ids: &[i64]) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "DELETE FROM login_failures WHERE tenant_id = $1 AND id = ANY($2)"
    ))
    .bind(tenant)
    .bind(ids)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn clear_key(pool: &PgPool, tenant: TenantId, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "DELETE FROM login_failures WHERE tenant_id = $1 AND throttle_key = $2"
    ))
    .bind(tenant)
    .bind(key)
    .execute(pool)
    .await?;
    Ok(())
}
