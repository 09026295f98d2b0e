//! One-time login codes for contacts.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::{domain::TenantId, sql};

/// Wrong guesses after which a code stops working.
pub const MAX_FAILURES: i32 = 5;

pub async fn insert(
    pool: &PgPool,
    tenant: TenantId,
    contact: i32,
    code_hash: &[u8],
    expires_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!("INSERT INTO login_codes (tenant_id, contact_id, code_hash, expires_at) VALUES ($1, $2, $3, $4)"))
    .bind(tenant)
    .bind(contact)
    .bind(code_hash)
    .bind(expires_at)
    .execute(pool)
    .await?;
    Ok(())
}

/// How many codes the contact was given since `since`, to bound how often one may be asked for.
pub async fn issued_since(
    pool: &PgPool,
    tenant: TenantId,
    contact: i32,
    since: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(sql!("SELECT count(*) FROM login_codes WHERE tenant_id = $1 AND contact_id = $2 AND created_at > $3"))
    .bind(tenant)
    .bind(contact)
    .bind(since)
    .fetch_one(pool)
    .await
}

/// Uses the live code with this hash; true when it was live and is now spent. A miss counts
/// against every live code of the contact.
pub async fn redeem(
    pool: &PgPool,
    tenant: TenantId,
    contact: i32,
    code_hash: &[u8],
) -> Result<bool, sqlx::Error> {
    let used = sqlx::query(sql!(
        "UPDATE login_codes SET used_at = now()
         WHERE tenant_id = $1 AND contact_id = $2 AND code_hash = $3
           AND used_at IS NULL AND expires_at > now() AND failed_attempts < $4"
    ))
    .bind(tenant)
    .bind(contact)
    .bind(code_hash)
    .bind(MAX_FAILURES)
    .execute(pool)
    .await?
    .rows_affected()
        > 0;
    if !used {
        sqlx::query(sql!(
            "UPDATE login_codes SET failed_attempts = failed_attempts + 1
             WHERE tenant_id = $1 AND contact_id = $2 AND used_at IS NULL AND expires_at > now()"
        ))
        .bind(tenant)
        .bind(contact)
        .execute(pool)
        .await?;
    }
    Ok(used)
}
