//! API keys, personal access tokens and sessions. Only SHA-256 hashes of the secrets are stored.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::{
    domain::{KeyScope, MemberRole, TenantId, UserKind},
    sql,
};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    pub key_prefix: String,
    pub scope: KeyScope,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

macro_rules! api_key_columns {
    () => {
        "id, name, key_prefix, scope, created_by, created_at, last_used_at, expires_at, revoked_at"
    };
}

pub struct NewApiKey<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub hash: &'a [u8],
    pub prefix: &'a str,
    pub scope: KeyScope,
    pub created_by: &'a str,
    pub expires_at: Option<DateTime<Utc>>,
}

pub async fn insert_api_key(
    pool: &PgPool,
    tenant: TenantId,
    key: &NewApiKey<'_>,
) -> Result<ApiKey, sqlx::Error> {
    sqlx::query_as(sql!("INSERT INTO api_keys (tenant_id, id, name, key_hash, key_prefix, scope, created_by, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ", api_key_columns!()))
    .bind(tenant)
    .bind(key.id)
    .bind(key.name)
    .bind(key.hash)
    .bind(key.prefix)
    .bind(key.scope)
    .bind(key.created_by)
    .bind(key.expires_at)
    .fetch_one(pool)
    .await
}

pub async fn list_api_keys(pool: &PgPool, tenant: TenantId) -> Result<Vec<ApiKey>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT ",
        api_key_columns!(),
        " FROM api_keys WHERE tenant_id = $1 ORDER BY created_at, id"
    ))
    .bind(tenant)
    .fetch_all(pool)
    .await
}

pub async fn get_api_key(
    pool: &PgPool,
    tenant: TenantId,
    id: &str,
) -> Result<Option<ApiKey>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT ",
        api_key_columns!(),
        " FROM api_keys WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(pool)
    .await
}

pub async fn revoke_api_key(
    pool: &PgPool,
    tenant: TenantId,
    id: &str,
) -> Result<Option<ApiKey>, sqlx::Error> {
    sqlx::query_as(sql!("UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE tenant_id = $1 AND id = $2
         RETURNING ", api_key_columns!()))
    .bind(tenant)
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// A live key by the hash of its secret: its id, scope, and when it expires.
pub async fn find_api_key(
    pool: &PgPool,
    tenant: TenantId,
    hash: &[u8],
) -> Result<Option<(String, KeyScope, Option<DateTime<Utc>>)>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT id, scope, expires_at FROM api_keys WHERE tenant_id = $1 AND key_hash = $2
           AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())"
    ))
    .bind(tenant)
    .bind(hash)
    .fetch_optional(pool)
    .await
}

pub async fn touch_api_key(pool: &PgPool, tenant: TenantId, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "UPDATE api_keys SET last_used_at = now() WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PersonalToken {
    pub id: String,
    pub member_id: i32,
    pub name: String,
    pub token_prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

macro_rules! token_columns {
    () => {
        "id, member_id, name, token_prefix, created_at, last_used_at, expires_at, revoked_at"
    };
}

pub struct NewPersonalToken<'a> {
    pub id: &'a str,
    pub member_id: i32,
    pub name: &'a str,
    pub hash: &'a [u8],
    pub prefix: &'a str,
    pub expires_at: Option<DateTime<Utc>>,
}

pub async fn insert_personal_token(
    pool: &PgPool,
    tenant: TenantId,
    token: &NewPersonalToken<'_>,
) -> Result<PersonalToken, sqlx::Error> {
    sqlx::query_as(sql!("INSERT INTO personal_access_tokens (tenant_id, id, member_id, name, token_hash, token_prefix, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ", token_columns!()))
    .bind(tenant)
    .bind(token.id)
    .bind(token.member_id)
    .bind(token.name)
    .bind(token.hash)
    .bind(token.prefix)
    .bind(token.expires_at)
    .fetch_one(pool)
    .await
}

pub async fn list_personal_tokens(
    pool: &PgPool,
    tenant: TenantId,
    member_id: i32,
) -> Result<Vec<PersonalToken>, sqlx::Error> {
    sqlx::query_as(sql!("SELECT ", token_columns!(), " FROM personal_access_tokens WHERE tenant_id = $1 AND member_id = $2 ORDER BY created_at, id"))
    .bind(tenant)
    .bind(member_id)
    .fetch_all(pool)
    .await
}

pub async fn revoke_personal_token(
    pool: &PgPool,
    tenant: TenantId,
    member_id: i32,
    id: &str,
) -> Result<Option<PersonalToken>, sqlx::Error> {
    sqlx::query_as(sql!(
        "UPDATE personal_access_tokens SET revoked_at = coalesce(revoked_at, now())
         WHERE tenant_id = $1 AND member_id = $2 AND id = $3 RETURNING ",
        token_columns!()
    ))
    .bind(tenant)
    .bind(member_id)
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// A live token of a live member: token id, member id, the member's role, expiry.
pub async fn find_personal_token(
    pool: &PgPool,
    tenant: TenantId,
    hash: &[u8],
) -> Result<Option<(String, i32, MemberRole, Option<DateTime<Utc>>)>, sqlx::Error> {
    sqlx::query_as(sql!("SELECT t.id, t.member_id, m.role, t.expires_at FROM personal_access_tokens t
         JOIN members m ON m.tenant_id = t.tenant_id AND m.id = t.member_id AND m.archived_at IS NULL
         WHERE t.tenant_id = $1 AND t.token_hash = $2 AND t.revoked_at IS NULL
           AND (t.expires_at IS NULL OR t.expires_at > now())"))
    .bind(tenant)
    .bind(hash)
    .fetch_optional(pool)
    .await
}

pub async fn touch_personal_token(
    pool: &PgPool,
    tenant: TenantId,
    id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "UPDATE personal_access_tokens SET last_used_at = now() WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn insert_session(
    pool: &PgPool,
    tenant: TenantId,
    hash: &[u8],
    kind: UserKind,
    user_id: i32,
    expires_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!("INSERT INTO sessions (tenant_id, id_hash, user_kind, user_id, expires_at) VALUES ($1, $2, $3, $4, $5)"))
        .bind(tenant)
        .bind(hash)
        .bind(kind)
        .bind(user_id)
        .bind(expires_at)
        .execute(pool)
        .await?;
    Ok(())
}

/// The person behind a live session, with what their principal needs (role or company).
#[derive(sqlx::FromRow)]
pub struct SessionUser {
    pub user_kind: UserKind,
    pub user_id: i32,
    pub role: Option<MemberRole>,
    pub company_id: Option<i32>,
    pub expires_at: DateTime<Utc>,
}

pub async fn find_session(
    pool: &PgPool,
    tenant: TenantId,
    hash: &[u8],
) -> Result<Option<SessionUser>, sqlx::Error> {
    sqlx::query_as(sql!("SELECT s.user_kind, s.user_id, m.role, c.company_id, s.expires_at FROM sessions s
         LEFT JOIN members m ON s.user_kind = 'member' AND m.tenant_id = s.tenant_id AND m.id = s.user_id AND m.archived_at IS NULL
         LEFT JOIN contacts c ON s.user_kind = 'contact' AND c.tenant_id = s.tenant_id AND c.id = s.user_id AND c.archived_at IS NULL
         WHERE s.tenant_id = $1 AND s.id_hash = $2 AND s.revoked_at IS NULL AND s.expires_at > now()"))
    .bind(tenant)
    .bind(hash)
    .fetch_optional(pool)
    .await
}

/// True when a live session was revoked.
pub async fn revoke_session(
    pool: &PgPool,
    tenant: TenantId,
    hash: &[u8],
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(sql!("UPDATE sessions SET revoked_at = now() WHERE tenant_id = $1 AND id_hash = $2 AND revoked_at IS NULL"))
    .bind(tenant)
    .bind(hash)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Ends every session of one person (their password changed).
pub async fn revoke_sessions_of(
    db: impl sqlx::PgExecutor<'_>,
    tenant: TenantId,
    kind: UserKind,
    user_id: i32,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "UPDATE sessions SET revoked_at = now()
         WHERE tenant_id = $1 AND user_kind = $2 AND user_id = $3 AND revoked_at IS NULL"
    ))
    .bind(tenant)
    .bind(kind)
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(())
}
