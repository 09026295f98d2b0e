use chrono::{DateTime, Utc};
use sqlx::{PgExecutor, PgPool};

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
    sqlx::query_as(
        "SELECT kid, private_key_enc, public_key, created_at, retire_after FROM signing_keys
         WHERE retire_after > now() ORDER BY created_at DESC, kid",
    )
    .fetch_all(pool)
    .await
}

pub async fn insert(db: impl PgExecutor<'_>, row: &SigningKeyRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO signing_keys (kid, private_key_enc, public_key, created_at, retire_after) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&row.kid)
    .bind(&row.private_key_enc)
    .bind(&row.public_key)
    .bind(row.created_at)
    .bind(row.retire_after)
    .execute(db)
    .await?;
    Ok(())
}
