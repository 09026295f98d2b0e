//! Members (technicians and admins), with their roles and password hashes.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor, PgPool};

use super::{ListOptions, Slice, ids};
use crate::{
    domain::{MemberRole, TenantId},
    sql,
};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Member {
    pub id: i32,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub role: MemberRole,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
}

pub struct MemberFields<'a> {
    pub email: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub role: MemberRole,
}

macro_rules! columns {
    () => {
        "id, email, first_name, last_name, role, created_at, updated_at, archived_at"
    };
}

pub async fn insert(
    conn: &mut PgConnection,
    tenant: TenantId,
    fields: &MemberFields<'_>,
    password_hash: Option<&str>,
) -> Result<Member, sqlx::Error> {
    let id = ids::next_id(conn, tenant, "member").await?;
    sqlx::query_as(sql!(
        "INSERT INTO members (tenant_id, id, email, first_name, last_name, role, password_hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ",
        columns!()
    ))
    .bind(tenant)
    .bind(id)
    .bind(fields.email)
    .bind(fields.first_name)
    .bind(fields.last_name)
    .bind(fields.role)
    .bind(password_hash)
    .fetch_one(conn)
    .await
}

pub async fn get(pool: &PgPool, tenant: TenantId, id: i32) -> Result<Option<Member>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT ",
        columns!(),
        " FROM members WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(pool)
    .await
}

pub async fn list(
    pool: &PgPool,
    tenant: TenantId,
    options: &ListOptions<'_>,
) -> Result<Slice<Member>, sqlx::Error> {
    macro_rules! filter {
        () => {
            "tenant_id = $1 AND ($2 OR archived_at IS NULL)
        AND ($3::text IS NULL OR (first_name || ' ' || last_name || ' ' || email) ILIKE $3)"
        };
    }
    let pattern = options.pattern();
    let rows = sqlx::query_as(sql!(
        "SELECT ",
        columns!(),
        " FROM members WHERE ",
        filter!(),
        " ORDER BY id OFFSET $4 LIMIT $5"
    ))
    .bind(tenant)
    .bind(options.include_archived)
    .bind(&pattern)
    .bind(options.skip)
    .bind(options.take)
    .fetch_all(pool)
    .await?;
    let total = sqlx::query_scalar(sql!("SELECT count(*) FROM members WHERE ", filter!()))
        .bind(tenant)
        .bind(options.include_archived)
        .bind(&pattern)
        .fetch_one(pool)
        .await?;
    Ok(Slice { rows, total })
}

/// Replaces the editable fields of a live (not archived) member.
pub async fn update(
    pool: &PgPool,
    tenant: TenantId,
    id: i32,
    fields: &MemberFields<'_>,
) -> Result<Option<Member>, sqlx::Error> {
    sqlx::query_as(sql!("UPDATE members SET email = $3, first_name = $4, last_name = $5, role = $6, updated_at = now()
         WHERE tenant_id = $1 AND id = $2 AND archived_at IS NULL RETURNING ", columns!()))
    .bind(tenant)
    .bind(id)
    .bind(fields.email)
    .bind(fields.first_name)
    .bind(fields.last_name)
    .bind(fields.role)
    .fetch_optional(pool)
    .await
}

pub async fn set_password(
    pool: &PgPool,
    tenant: TenantId,
    id: i32,
    hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "UPDATE members SET password_hash = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .bind(hash)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn set_archived(
    pool: &PgPool,
    tenant: TenantId,
    id: i32,
    archived: bool,
) -> Result<Option<Member>, sqlx::Error> {
    sqlx::query_as(sql!("UPDATE members SET archived_at = CASE WHEN $3 THEN coalesce(archived_at, now()) END, updated_at = now()
         WHERE tenant_id = $1 AND id = $2 RETURNING ", columns!()))
    .bind(tenant)
    .bind(id)
    .bind(archived)
    .fetch_optional(pool)
    .await
}

/// The id and password hash of a live member, for sign-in.
pub async fn find_for_login(
    pool: &PgPool,
    tenant: TenantId,
    email: &str,
) -> Result<Option<(i32, Option<String>)>, sqlx::Error> {
    sqlx::query_as(sql!("SELECT id, password_hash FROM members WHERE tenant_id = $1 AND lower(email) = lower($2) AND archived_at IS NULL"))
    .bind(tenant)
    .bind(email)
    .fetch_optional(pool)
    .await
}

/// The role of a live member, for resolving credentials that name them.
/// An active member's role and when their password last changed (what an access token issued to
/// them is checked against).
pub async fn token_holder(
    pool: &PgPool,
    tenant: TenantId,
    id: i32,
) -> Result<Option<(MemberRole, Option<DateTime<Utc>>)>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT role, password_changed_at FROM members
         WHERE tenant_id = $1 AND id = $2 AND archived_at IS NULL"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(pool)
    .await
}

pub async fn active_role(
    db: impl PgExecutor<'_>,
    tenant: TenantId,
    id: i32,
) -> Result<Option<MemberRole>, sqlx::Error> {
    sqlx::query_scalar(sql!(
        "SELECT role FROM members WHERE tenant_id = $1 AND id = $2 AND archived_at IS NULL"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(db)
    .await
}
