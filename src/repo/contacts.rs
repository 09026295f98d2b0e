//! Contacts of customer companies, with their roles and password hashes.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor, PgPool};

use super::{ListOptions, Slice, ids};
use crate::{domain::TenantId, sql};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Contact {
    pub id: i32,
    pub company_id: i32,
    pub company_name: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub phone: Option<String>,
    pub is_approver: bool,
    pub is_vip: bool,
    pub sees_company_tickets: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
}

pub struct ContactFields<'a> {
    pub company_id: i32,
    pub email: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub phone: Option<&'a str>,
    pub is_approver: bool,
    pub is_vip: bool,
    pub sees_company_tickets: bool,
}

/// Contacts are always read with their company's name, for the `company` reference.
macro_rules! select {
    () => {
        "SELECT c.id, c.company_id, co.name AS company_name, c.email, c.first_name, c.last_name,
        c.phone, c.is_approver, c.is_vip, c.sees_company_tickets, c.created_at, c.updated_at, c.archived_at
    FROM contacts c JOIN companies co ON co.tenant_id = c.tenant_id AND co.id = c.company_id"
    };
}

pub async fn insert(
    conn: &mut PgConnection,
    tenant: TenantId,
    fields: &ContactFields<'_>,
    password_hash: Option<&str>,
) -> Result<Contact, sqlx::Error> {
    let id = ids::next_id(conn, tenant, "contact").await?;
    sqlx::query(sql!("INSERT INTO contacts (tenant_id, id, company_id, email, first_name, last_name, phone, password_hash,
             is_approver, is_vip, sees_company_tickets)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"))
    .bind(tenant)
    .bind(id)
    .bind(fields.company_id)
    .bind(fields.email)
    .bind(fields.first_name)
    .bind(fields.last_name)
    .bind(fields.phone)
    .bind(password_hash)
    .bind(fields.is_approver)
    .bind(fields.is_vip)
    .bind(fields.sees_company_tickets)
    .execute(&mut *conn)
    .await?;
    sqlx::query_as(sql!(select!(), " WHERE c.tenant_id = $1 AND c.id = $2"))
        .bind(tenant)
        .bind(id)
        .fetch_one(conn)
        .await
}

pub async fn get(
    db: impl PgExecutor<'_>,
    tenant: TenantId,
    id: i32,
) -> Result<Option<Contact>, sqlx::Error> {
    sqlx::query_as(sql!(select!(), " WHERE c.tenant_id = $1 AND c.id = $2"))
        .bind(tenant)
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn list(
    pool: &PgPool,
    tenant: TenantId,
    company_id: Option<i32>,
    options: &ListOptions<'_>,
) -> Result<Slice<Contact>, sqlx::Error> {
    macro_rules! filter {
        () => {
            "c.tenant_id = $1 AND ($2 OR c.archived_at IS NULL)
        AND ($3::text IS NULL OR (c.first_name || ' ' || c.last_name || ' ' || c.email) ILIKE $3)
        AND ($4::int IS NULL OR c.company_id = $4)"
        };
    }
    let pattern = options.pattern();
    let rows = sqlx::query_as(sql!(
        select!(),
        " WHERE ",
        filter!(),
        " ORDER BY c.id OFFSET $5 LIMIT $6"
    ))
    .bind(tenant)
    .bind(options.include_archived)
    .bind(&pattern)
    .bind(company_id)
    .bind(options.skip)
    .bind(options.take)
    .fetch_all(pool)
    .await?;
    let total = sqlx::query_scalar(sql!("SELECT count(*) FROM contacts c WHERE ", filter!()))
        .bind(tenant)
        .bind(options.include_archived)
        .bind(&pattern)
        .bind(company_id)
        .fetch_one(pool)
        .await?;
    Ok(Slice { rows, total })
}

pub async fn update(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
    fields: &ContactFields<'_>,
) -> Result<Option<Contact>, sqlx::Error> {
    let updated = sqlx::query(sql!("UPDATE contacts SET company_id = $3, email = $4, first_name = $5, last_name = $6, phone = $7,
             is_approver = $8, is_vip = $9, sees_company_tickets = $10, updated_at = now()
         WHERE tenant_id = $1 AND id = $2 AND archived_at IS NULL"))
    .bind(tenant)
    .bind(id)
    .bind(fields.company_id)
    .bind(fields.email)
    .bind(fields.first_name)
    .bind(fields.last_name)
    .bind(fields.phone)
    .bind(fields.is_approver)
    .bind(fields.is_vip)
    .bind(fields.sees_company_tickets)
    .execute(&mut *conn)
    .await?;
    if updated.rows_affected() == 0 {
        return Ok(None);
    }
    get(conn, tenant, id).await
}

pub async fn set_password(
    db: impl PgExecutor<'_>,
    tenant: TenantId,
    id: i32,
    hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!("UPDATE contacts SET password_hash = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2"))
        .bind(tenant)
        .bind(id)
        .bind(hash)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_archived(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
    archived: bool,
) -> Result<Option<Contact>, sqlx::Error> {
    let updated = sqlx::query(sql!("UPDATE contacts SET archived_at = CASE WHEN $3 THEN coalesce(archived_at, now()) END, updated_at = now()
         WHERE tenant_id = $1 AND id = $2"))
    .bind(tenant)
    .bind(id)
    .bind(archived)
    .execute(&mut *conn)
    .await?;
    if updated.rows_affected() == 0 {
        return Ok(None);
    }
    get(conn, tenant, id).await
}

pub async fn find_for_login(
    pool: &PgPool,
    tenant: TenantId,
    email: &str,
) -> Result<Option<(i32, Option<String>)>, sqlx::Error> {
    sqlx::query_as(sql!("SELECT id, password_hash FROM contacts WHERE tenant_id = $1 AND lower(email) = lower($2) AND archived_at IS NULL"))
    .bind(tenant)
    .bind(email)
    .fetch_optional(pool)
    .await
}

/// The company of a live contact, for resolving credentials that name them.
/// An active contact's company and when their password last changed (what an access token
/// issued to them is checked against).
pub async fn token_holder(
    pool: &PgPool,
    tenant: TenantId,
    id: i32,
) -> Result<Option<(i32, Option<DateTime<Utc>>)>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT company_id, password_changed_at FROM contacts
         WHERE tenant_id = $1 AND id = $2 AND archived_at IS NULL"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(pool)
    .await
}

pub async fn active_company(
    pool: &PgPool,
    tenant: TenantId,
    id: i32,
) -> Result<Option<i32>, sqlx::Error> {
    sqlx::query_scalar(sql!(
        "SELECT company_id FROM contacts WHERE tenant_id = $1 AND id = $2 AND archived_at IS NULL"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(pool)
    .await
}
