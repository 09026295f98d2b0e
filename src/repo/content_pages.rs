//! Content pages: Markdown shown in the portal, each to its audience.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::{
    domain::{TenantId, portal::AudienceKind},
    seen_by_contact, sql,
};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PageRow {
    pub id: i32,
    pub title: String,
    pub body: String,
    pub body_html: String,
    pub audience: AudienceKind,
    pub company_ids: Vec<i32>,
    pub contact_group_ids: Vec<i32>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub struct PageFields<'a> {
    pub title: &'a str,
    pub body: &'a str,
    pub body_html: &'a str,
    pub audience: AudienceKind,
    pub company_ids: &'a [i32],
    pub contact_group_ids: &'a [i32],
}

macro_rules! columns {
    () => {
        "x.id, x.title, x.body, x.body_html, x.audience, x.company_ids, x.contact_group_ids,
         x.created_at, x.updated_at"
    };
}

pub async fn list(conn: &mut PgConnection, tenant: TenantId) -> Result<Vec<PageRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT ",
        columns!(),
        " FROM content_pages x WHERE x.tenant_id = $1 ORDER BY x.id"
    ))
    .bind(tenant)
    .fetch_all(conn)
    .await
}

pub async fn get(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
) -> Result<Option<PageRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT ",
        columns!(),
        " FROM content_pages x WHERE x.tenant_id = $1 AND x.id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// The page, when contact `contact` of `company` may see it.
pub async fn get_for_contact(
    conn: &mut PgConnection,
    tenant: TenantId,
    contact: i32,
    company: i32,
    id: i32,
) -> Result<Option<PageRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT ",
        columns!(),
        " FROM content_pages x WHERE x.tenant_id = $1 AND x.id = $4 AND ",
        seen_by_contact!()
    ))
    .bind(tenant)
    .bind(contact)
    .bind(company)
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// Inserts (`id` new) or replaces a page.
pub async fn save(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
    f: &PageFields<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "INSERT INTO content_pages (tenant_id, id, title, body, body_html, audience, company_ids,
             contact_group_ids) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (tenant_id, id) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body,
             body_html = EXCLUDED.body_html, audience = EXCLUDED.audience,
             company_ids = EXCLUDED.company_ids, contact_group_ids = EXCLUDED.contact_group_ids,
             updated_at = now()"
    ))
    .bind(tenant)
    .bind(id)
    .bind(f.title)
    .bind(f.body)
    .bind(f.body_html)
    .bind(f.audience)
    .bind(f.company_ids)
    .bind(f.contact_group_ids)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(sql!(
        "DELETE FROM content_pages WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
