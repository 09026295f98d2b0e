//! Stored answers to POSTs made with an `Idempotency-Key`.

use sqlx::PgPool;

use crate::{domain::TenantId, sql};

/// What a key already holds.
pub enum Claim {
    /// The key is new: this request runs, and its answer will be kept.
    Fresh,
    /// A request with this key is still running.
    InProgress,
    /// The key was used for a different request.
    Mismatch,
    /// The stored answer: status, content type, body.
    Done(i32, Option<String>, Vec<u8>),
}

/// How long a key's first answer is kept (and replayed).
macro_rules! retention {
    () => {
        "24 hours"
    };
}

/// Claims `key` for this request, unless it is in use (answers what it holds).
pub async fn claim(
    pool: &PgPool,
    tenant: TenantId,
    caller: &str,
    key: &str,
    hash: &[u8],
) -> Result<Claim, sqlx::Error> {
    sqlx::query(sql!(
        "DELETE FROM idempotency_keys WHERE tenant_id = $1 AND created_at < now() - interval '",
        retention!(),
        "'"
    ))
    .bind(tenant)
    .execute(pool)
    .await?;
    let inserted = sqlx::query(sql!("INSERT INTO idempotency_keys (tenant_id, caller, key, request_hash) VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id, caller, key) DO NOTHING"))
    .bind(tenant)
    .bind(caller)
    .bind(key)
    .bind(hash)
    .execute(pool)
    .await?;
    if inserted.rows_affected() == 1 {
        return Ok(Claim::Fresh);
    }
    let (stored_hash, status, content_type, body): (Vec<u8>, Option<i32>, Option<String>, Option<Vec<u8>>) = sqlx::query_as(sql!("SELECT request_hash, status, content_type, body FROM idempotency_keys WHERE tenant_id = $1 AND caller = $2 AND key = $3"))
    .bind(tenant)
    .bind(caller)
    .bind(key)
    .fetch_one(pool)
    .await?;
    Ok(if stored_hash != hash {
        Claim::Mismatch
    } else {
        match status {
            None => Claim::InProgress,
            Some(status) => Claim::Done(status, content_type, body.unwrap_or_default()),
        }
    })
}

pub async fn complete(
    pool: &PgPool,
    tenant: TenantId,
    caller: &str,
    key: &str,
    status: i32,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "UPDATE idempotency_keys SET status = $4, content_type = $5, body = $6
         WHERE tenant_id = $1 AND caller = $2 AND key = $3"
    ))
    .bind(tenant)
    .bind(caller)
    .bind(key)
    .bind(status)
    .bind(content_type)
    .bind(body)
    .execute(pool)
    .await?;
    Ok(())
}

/// Frees a key whose request failed on the server's side, so a retry runs again.
pub async fn release(
    pool: &PgPool,
    tenant: TenantId,
    caller: &str,
    key: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!("DELETE FROM idempotency_keys WHERE tenant_id = $1 AND caller = $2 AND key = $3 AND status IS NULL"))
        .bind(tenant)
        .bind(caller)
        .bind(key)
        .execute(pool)
        .await?;
    Ok(())
}
