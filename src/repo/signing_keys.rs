//! The keys that sign access tokens, sealed at rest, with their retirement times.

use crate::sql;
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor, PgPool};

#[derive(Clone, sqlx::FromRow)]
pub struct SigningKeyRow {
    pub kid: String,
    pub private_key_enc: Vec<u8>,
    pub public_key: Vec<u8>,
    pub created_at: DateTime<Utc>,
    pub retire_after: DateTime<Utc>,
}

/// Keys still able to verify a token, newest first.
pub async fn live(pool: &PgPool) -> Result<Vec<SigningKeyRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT kid, private_key_enc, public_key, created_at, retire_after FROM signing_keys
         WHERE retire_after > now() ORDER BY created_at DESC, kid"
    ))
    .fetch_all(pool)
    .await
}

pub async fn insert(db: impl PgExecutor<'_>, row: &SigningKeyRow) -> Result<(), sqlx::Error> {
    sqlx::query(sql!("INSERT INTO signing_keys (kid, private_key_enc, public_key, created_at, retire_after) VALUES ($1, $2, $3, $4, $5)"))
    .bind(&row.kid)
    .bind(&row.private_key_enc)
    .bind(&row.public_key)
    .bind(row.created_at)
    .bind(row.retire_after)
    .execute(db)
    .await?;
    Ok(())
}

/// When the newest key was made, under a transaction-wide lock that makes instances starting
/// together take turns (so only one of them makes a new key).
pub async fn newest_locked(conn: &mut PgConnection) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query(sql!("SELECT pg_advisory_xact_lock(727170001)"))
        .execute(&mut *conn)
        .await?;
    sqlx::query_scalar(sql!("SELECT max(created_at) FROM signing_keys"))
        .fetch_one(conn)
        .await
}
